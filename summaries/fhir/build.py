"""Build one patient's professional summary from the resources that belong to them."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from audit.identifiers import BSN_SYSTEM, bsn_is_valid
from summaries.fhir import read, sections
from summaries.fhir.model import (
    NONE_UNREADABLE,
    GpInfo,
    Limits,
    PatientInfo,
    PatientSummary,
    ProfessionalSummary,
)
from summaries.fhir.nul import nul_reason
from summaries.fhir.sections import FieldError

if TYPE_CHECKING:
    from summaries.fhir.index import PageIndex

MAPPERS = {
    "Flag": ("alerts", sections.flag),
    "Consent": ("alerts", sections.treatment_directive),
    "AllergyIntolerance": ("allergies", sections.allergy),
    "MedicationStatement": ("medication", sections.medication),
    "MedicationRequest": ("medication", sections.medication),
    "MedicationDispense": ("medication", sections.medication),
    "Condition": ("episodes", sections.condition),
    "EpisodeOfCare": ("episodes", sections.episode_of_care),
    "Observation": ("lab", sections.lab_result),
    "Composition": ("journal", sections.composition),
}
SEX = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}


def patient_bsn(patient: dict) -> str:
    """The patient's BSN, or FieldError saying precisely why there is none."""
    for i, identifier in enumerate(read.as_list(patient.get("identifier"))):
        if not isinstance(identifier, dict) or not read.in_systems(
            identifier.get("system"), read.BSN_SYSTEMS
        ):
            continue
        value = identifier.get("value")
        absent = read.extension_value(value, read.DATA_ABSENT) or read.extension_value(
            identifier.get("_value"), read.DATA_ABSENT
        )
        if absent:
            raise FieldError(
                patient,
                f"identifier[{i}].value",
                f"BSN is absent (data-absent-reason {read.text_of(absent)!r})",
            )
        bsn = read.text_of(value)
        if not bsn:
            raise FieldError(patient, f"identifier[{i}].value", "BSN identifier without a value")
        if not bsn_is_valid(bsn):
            raise FieldError(
                patient,
                f"identifier[{i}].value",
                f"{bsn!r} is not a valid BSN (9 digits passing the 11-test)",
            )
        return bsn
    raise FieldError(
        patient,
        "identifier",
        f"no BSN (system {BSN_SYSTEM}); the portal finds patients by BSN",
    )


def patient_birth_date(patient: dict) -> dt.date:
    text = read.text_of(patient.get("birthDate"))
    if not text:
        raise FieldError(
            patient, "birthDate", "missing; the portal finds patients by BSN and birth date"
        )
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(patient, "birthDate", f"{text!r} is not a full date (YYYY-MM-DD)") from exc


def gp_info(patient: dict, index: PageIndex, resolve: sections.Resolver) -> GpInfo:
    practitioner: dict = {}
    organisation: dict = {}

    # "#id": contained in the Patient (a contained role's own "#id" references too).
    find = sections.resolver_in(patient, resolve)
    for reference in read.as_list(patient.get("generalPractitioner")):
        target = find(reference) or {}
        kind = target.get("resourceType")
        if kind == "Practitioner":
            practitioner = practitioner or target
        elif kind == "Organization":
            organisation = organisation or target
        elif kind == "PractitionerRole":
            practitioner = practitioner or find(target.get("practitioner")) or {}
            organisation = organisation or find(target.get("organization")) or {}
    if not organisation and patient.get("managingOrganization"):
        # Some GP systems name the practice only as the record's custodian.
        found = find(patient["managingOrganization"]) or {}
        organisation = found if found.get("resourceType") == "Organization" else {}
    if "contained" in patient:
        return _gp_info(practitioner, organisation)  # its own: not shared with other patients
    # Most patients on a page share their GP: read each GP and practice once a page.
    pair = (
        index.key_of(practitioner) if practitioner else "",
        index.key_of(organisation) if organisation else "",
    )
    if pair not in index.gp_infos:
        index.gp_infos[pair] = _gp_info(practitioner, organisation)
    return index.gp_infos[pair]


def _gp_info(practitioner: dict, organisation: dict) -> GpInfo:
    return GpInfo(
        name=read.human_name(practitioner) if practitioner else "",
        uzi=read.identifier_value(practitioner, read.UZI_SYSTEMS) or "",
        agb=read.identifier_value(practitioner, read.AGB_SYSTEMS) or "",
        practice_name=read.text_of(organisation.get("name")),
        practice_agb=read.identifier_value(organisation, read.AGB_SYSTEMS) or "",
        practice_ura=read.identifier_value(organisation, read.URA_SYSTEMS) or "",
    )


def _sort_key_date(item: Any) -> str:
    return getattr(item, "date", "") or getattr(item, "start", "") or getattr(item, "since", "")


def build_summary(
    patient: dict,
    members: list[dict],
    index: PageIndex,
    *,
    now: dt.datetime,
    limits: Limits,
    fhir_version: str,
) -> PatientSummary:
    bsn = patient_bsn(patient)
    birth_date = patient_birth_date(patient)
    window_start = (now - dt.timedelta(days=limits.window_days)).date().isoformat()
    found: dict[str, list] = {name: [] for name, _ in MAPPERS.values()}
    placement: dict[str, str] = {index.key_of(patient): "patient"}
    omitted = 0
    unreadable: list[tuple[dict, str, str]] | None = None  # (resource, section, reason)
    # A resource holding U+0000 cannot be stored (nul.py): it is left out of the summary and
    # of its source, and nothing finds it (a GP's name, a product's), so the rest is stored.
    # (A Patient holding one is held back whole by page.py: it is whom the summary is about.)
    nul_at = index.nul_at
    kept = [m for m in members if id(m) not in nul_at] if nul_at else members
    left_out: set[str] = set()  # their keys
    # Conditions that an episode of care names are shown as that episode.
    named_by_episode = {
        index.key(d.get("condition"))
        for m in kept
        if m.get("resourceType") == "EpisodeOfCare"
        for d in read.as_list(m.get("diagnosis"))
        if isinstance(d, dict)
    }
    # A section shows only this patient's own resources and the shared ones (GP, product)
    # joined to them: a reference into another patient's record finds nothing.
    own = {id(patient), *map(id, kept)}

    def resolve(reference: Any) -> dict | None:
        target = index.resolve(reference)
        return target if target is not None and id(target) in own else None

    for resource in members:
        key = index.key_of(resource)
        mapper = MAPPERS.get(resource["resourceType"])
        if nul_at and (where := nul_at.get(id(resource))) is not None:
            # Counted in its section when it would have been shown there; quarantined alone.
            section = "" if mapper is None else "episodes" if key in named_by_episode else mapper[0]
            reason = nul_reason(where)
            if unreadable is None:
                unreadable = []
            unreadable.append((resource, section, reason))
            placement[key] = f"not shown: cannot be read ({reason})"
            left_out.add(key)
            continue
        if mapper is None:
            placement[key] = f"not shown: {sections.NOT_A_SUMMARY_ITEM}"
            continue
        if key in named_by_episode:
            placement[key] = "episodes (as its episode of care)"
            continue
        section, build = mapper
        try:
            item = build(resource, resolve)
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            # One item that cannot be read (no substance, a string where an object belongs)
            # must not cost the nurse the rest of the summary: it is left out, the summary
            # says so in its section, and the item waits in the quarantine.
            reason = (
                str(exc)
                if isinstance(exc, FieldError)
                else f"{key}.*: unexpected structure ({type(exc).__name__}: {exc})"
            )
            if unreadable is None:
                unreadable = []
            unreadable.append((resource, section, reason))
            placement[key] = f"not shown: cannot be read ({reason})"
            continue
        if isinstance(item, sections.NotShown):
            placement[key] = f"not shown: {item}"
        elif section in {"lab", "journal"} and item.date and item.date < window_start:
            omitted += 1
            placement[key] = f"not shown: dated {item.date}, before the window ({window_start})"
        else:
            found[section].append(item)
            placement[key] = section
    for name in ("lab", "journal", "medication"):
        found[name].sort(key=_sort_key_date, reverse=True)
    found["episodes"].sort(key=lambda e: (not e.attention, not e.psychological, e.title))

    unread = NONE_UNREADABLE
    if unreadable:
        unread = {}
        for _, section, _ in unreadable:
            if section:  # not a section's item (a GP, a product): nothing to say there
                unread[section] = unread.get(section, 0) + 1
    summary = ProfessionalSummary(
        patient=PatientInfo(
            bsn=bsn,
            name=read.human_name(patient),
            birth_date=birth_date.isoformat(),
            sex=SEX.get(read.text_of(patient.get("gender")), "unknown"),
            address=read.address_text(patient),
        ),
        gp=gp_info(patient, index, resolve),
        alerts=tuple(found["alerts"]),
        allergies=tuple(found["allergies"]),
        medication=tuple(found["medication"]),
        episodes=tuple(found["episodes"]),
        lab=tuple(found["lab"]),
        journal=tuple(found["journal"]),
        fhir_version=fhir_version,
        window_start=window_start,
        omitted_outside_window=omitted,
        source_updated_at=read.text_of(read.member(patient.get("meta"), "lastUpdated")),
        # Not those left out for U+0000: they are not in the source (and their key may hold it).
        not_shown=tuple(
            k for k, where in placement.items() if where.startswith("not") and k not in left_out
        ),
        unreadable=unread,
    )
    # The GP and practice the Patient names are among the members: page.py joins every
    # shared resource that the patient or a member refers to.
    source = [patient, *kept]
    source_bytes = index.json_array(source)
    updated = read.text_of(read.member(patient.get("meta"), "lastUpdated"))
    return PatientSummary(
        bsn=bsn,
        birth_date=birth_date,
        summary=summary,
        source=source,
        source_bytes=source_bytes,
        # Content address of what the GP sent: equal bytes, equal version.
        source_version=hashlib.sha256(source_bytes).hexdigest(),
        source_updated_at=_instant(updated),
        keys=tuple(placement),
        placement=placement,
        unreadable=tuple((r, why) for r, _, why in unreadable) if unreadable else (),
        left_out=tuple(m for m in members if id(m) in nul_at) if left_out else (),
    )


def _instant(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
