"""One page of a practice's answer in, summaries and quarantine items out.

The steps, each in its own module: decode the bytes within the limits (decode.py), flatten
the entries and check each resource, reading one of two copies (entries.py, duplicates.py),
index them by reference (index.py), group them per patient (grouping.py), build each
patient's summary (build.py), and hold back a patient whose identity is in doubt
(identity.py) or whose summary cannot be stored (here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from summaries.fhir import identity, read
from summaries.fhir.build import build_summary
from summaries.fhir.decode import PageError, decode
from summaries.fhir.entries import checked, fhir_version, flatten, next_url
from summaries.fhir.grouping import (
    SHARED_TYPES,
    grouped,
    join_roles,
    join_shared,
    owner_of,
    unjoined,
)
from summaries.fhir.index import PageIndex, References
from summaries.fhir.model import Limits, PatientSummary
from summaries.fhir.nul import ESCAPED_NUL, nul_reason
from summaries.fhir.quarantined import (
    Quarantine,
    dump,
    item_quarantined,
    patient_quarantined,
    summary_quarantined,
)
from summaries.fhir.sections import FieldError

__all__ = ["PageError", "PageResult", "Quarantine", "parse_page"]


@dataclass
class PageResult:
    summaries: list[PatientSummary] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    snapshot: dt.datetime | None = None
    next_url: str | None = None
    total: int | None = None
    fhir_version: str = "R4"


def parse_page(data: bytes, *, now: dt.datetime, limits: Limits | None = None) -> PageResult:
    """Read one page; raise PageError when the page as a whole is unusable."""
    limits = limits or Limits()
    bundle = decode(data, limits)
    result = PageResult(
        snapshot=read.instant(read.member(bundle.get("meta"), "lastUpdated")),
        next_url=next_url(bundle),
        total=bundle.get("total") if isinstance(bundle.get("total"), int) else None,
    )
    asides: list[tuple[Quarantine, dict]] = []
    entries, walked = checked(flatten(bundle), limits, result.quarantine, asides)
    result.fhir_version = fhir_version(entries)
    # JSON writes U+0000 only as "\u0000": a page without that text holds none, and its
    # resources need not be looked through one by one. (XML cannot hold one, but is looked
    # through all the same: that is up to the XML parser.)
    index = PageIndex(entries, may_hold_nul=data.lstrip()[:1] == b"<" or ESCAPED_NUL in data)
    for item, resource in asides:
        # Whose it is, so that a refusal leaves it out and a purge empties it too.
        item.patient_bsn = identity.bsn_of_owner(resource, index)
    references = References(index, walked, limits.max_depth)
    groups, unassigned = grouped(entries, index)
    used = join_shared(groups, unassigned, index, references)
    join_roles(groups, unassigned, used, index, references)
    result.quarantine.extend(unjoined(unassigned, used))

    accepted: dict[str, PatientSummary] = {}  # by BSN, in page order
    seen: dict[str, PatientSummary] = {}  # BSN -> the first Patient's, built
    for owner, members in groups.items():
        patient = index.by_key.get(owner)
        if patient is None:
            result.quarantine.append(
                Quarantine(
                    reason=identity.no_such_patient(owner, members, index),
                    resource_type="Patient",
                    resource_id=owner.split("/")[-1][:64],
                    # Only a valid BSN: this one is the referring resource's, unchecked.
                    patient_bsn=(
                        identity.valid_bsn_or_blank(owner[4:]) if owner.startswith("bsn:") else ""
                    ),
                    payload=dump(members),
                    keys=index.keys_of([], members),
                )
            )
            continue
        try:
            built = build_summary(
                patient, members, index, now=now, limits=limits, fhir_version=result.fhir_version
            )
        except FieldError as exc:  # the patient's identity: no BSN, no birth date
            bsn = identity.plain_bsn(patient)
            payload = dump([patient, *members])
            result.quarantine.append(
                patient_quarantined(str(exc), patient, members, index, bsn, payload)
            )
            continue
        if built.bsn in seen:
            why, why_first = identity.bsn_also_of(owner, built, seen[built.bsn], index)
            if why_first and (earlier := accepted.pop(built.bsn, None)) is not None:
                result.quarantine.append(summary_quarantined(why_first, earlier, index))
            result.quarantine.append(summary_quarantined(why, built, index))
            continue
        seen[built.bsn] = built
        why = held_back(built, owner, index, limits)
        if why:
            result.quarantine.append(summary_quarantined(why, built, index))
            continue
        accepted[built.bsn] = built
    result.summaries.extend(accepted.values())
    left_out: set[int] = set()
    for built in result.summaries:
        for resource, reason in built.unreadable:
            if id(resource) in left_out:
                continue  # a shared one (a GP, a product), left out of every summary it joined
            left_out.add(id(resource))
            # A shared resource is no patient's own: no BSN, so one refusal does not drop it.
            shared = resource["resourceType"] in SHARED_TYPES and not owner_of(resource, index)
            bsn = "" if shared else built.bsn
            result.quarantine.append(item_quarantined(resource, reason, bsn, index))
    return result


def held_back(built: PatientSummary, owner: str, index: PageIndex, limits: Limits) -> str | None:
    """Why a summary that could be built still waits in the quarantine, or None."""
    if len(built.source_bytes) > limits.max_summary_bytes:
        return (
            f"{owner}: the summary is {len(built.source_bytes):,} bytes; "
            f"the limit is {limits.max_summary_bytes:,} (SUMMARY_MAX_SUMMARY_BYTES)"
        )
    # Only the Patient can hold U+0000 here: build_summary leaves out any other resource
    # that does. The Patient is who the summary is about: it is not shown without it.
    if (where := index.nul_at.get(id(built.source[0]))) is not None:
        return nul_reason(where)
    return None
