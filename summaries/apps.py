from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    # The GP practice registry, the FHIR importer and the pull jobs arrive
    # with the summary-pipeline issue (roadmap 2).
    name = "summaries"
    verbose_name = _("Professional summaries")
