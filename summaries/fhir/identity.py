"""Whose record is this? The BSN checks that hold a patient back whole: a Patient the page
does not hold, and one BSN on two Patients. (The Patient's own BSN and birth date are read
in build.py: without them there is no summary to build.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.identifiers import bsn_is_valid
from summaries.fhir import read
from summaries.fhir.grouping import PATIENT_FIELDS, owner_of

if TYPE_CHECKING:
    from summaries.fhir.index import PageIndex
    from summaries.fhir.model import PatientSummary


def no_such_patient(owner: str, members: list[dict], index: PageIndex) -> str:
    """ "AllergyIntolerance/a1.patient refers to Patient/x, which the page does not hold":
    the referring resources and fields, so the sender can find them."""
    referrers = []
    for resource in members:
        for name in PATIENT_FIELDS:
            value = resource.get(name)
            if value:
                if index.key(value) == owner:
                    referrers.append(f"{index.key_of(resource)}.{name}")
                break
    target = (
        f"the patient with BSN {owner[4:]} (by identifier)" if owner.startswith("bsn:") else owner
    )
    if len(referrers) > 3:
        who = f"{', '.join(referrers[:3])} and {len(referrers) - 3} more resource(s) refer"
    elif len(referrers) > 1:
        who = f"{', '.join(referrers[:-1])} and {referrers[-1]} refer"
    elif referrers:
        who = f"{referrers[0]} refers"
    else:
        who = f"{len(members)} resource(s) refer"
    return f"{who} to {target}, which the page does not hold (its name and birth date are needed)"


def bsn_also_of(
    owner: str, built: PatientSummary, first: PatientSummary, index: PageIndex
) -> tuple[str, str | None]:
    """A second Patient on the page with the BSN of the first: why this one is held back,
    and why the first is too (None when both are born on one date: the first is kept)."""
    first_key, born = index.key_of(first.source[0]), first.birth_date
    if born == built.birth_date:
        return f"{owner}: BSN {built.bsn} belongs to another Patient on this page too", None
    # Two people, or one with a wrong birth date: whose record is this? Neither is shown;
    # the administrator sorts it out with the practice.
    return (
        f"{owner}: BSN {built.bsn} also belongs to {first_key} on this page, born "
        f"{born.isoformat()}; this one is born {built.birth_date.isoformat()}: "
        "identity in doubt",
        f"{first_key}: BSN {built.bsn} also belongs to {owner} on this page, born "
        f"{built.birth_date.isoformat()}; this one is born {born.isoformat()}: "
        "identity in doubt",
    )


def bsn_of_owner(resource: dict, index: PageIndex) -> str:
    """The valid BSN of the patient a resource is (or is about), or ""."""
    if resource["resourceType"] == "Patient":
        return plain_bsn(resource)
    owner = owner_of(resource, index) or ""
    if owner.startswith("bsn:"):
        return valid_bsn_or_blank(owner[4:])
    patient = index.by_key.get(owner)
    return plain_bsn(patient) if patient and patient["resourceType"] == "Patient" else ""


def plain_bsn(patient: dict) -> str:
    return valid_bsn_or_blank(read.identifier_value(patient, read.BSN_SYSTEMS) or "")


def valid_bsn_or_blank(bsn: str) -> str:
    return bsn if bsn_is_valid(bsn) else ""
