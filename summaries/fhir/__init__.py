"""Parse at the edge: FHIR (R4 or STU3, JSON or XML) in, typed professional summaries out.

Services never look into raw FHIR dicts; they get ``PageResult`` from
``parse_page``: summaries ready to store, and quarantine items with a
reason that names the resource and the field.
"""

from summaries.fhir.model import ProfessionalSummary
from summaries.fhir.page import PageResult, Quarantine, parse_page

__all__ = ["PageResult", "ProfessionalSummary", "Quarantine", "parse_page"]
