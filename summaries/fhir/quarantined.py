"""What the parser sets aside: quarantine items, with the resources as they were sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from summaries.fhir import read

if TYPE_CHECKING:
    from summaries.fhir.index import PageIndex
    from summaries.fhir.model import PatientSummary


@dataclass
class Quarantine:
    reason: str
    resource_type: str = ""
    resource_id: str = ""
    patient_bsn: str = ""
    payload: bytes = b""
    keys: tuple[str, ...] = ()


# Quarantined payloads are cut off this deep: deeper than any legal resource (the depth
# limit is lower, see SUMMARY_MAX_DEPTH), shallow enough for orjson and for recursion.
QUARANTINE_DUMP_DEPTH = 200


def dump(resources: list[dict]) -> bytes:
    """Resources as JSON for the quarantine: whole, or — nested too deep for a serialiser —
    with what lies deeper than QUARANTINE_DUMP_DEPTH replaced by a marker."""
    try:
        return orjson.dumps(resources)
    except orjson.JSONEncodeError:
        return orjson.dumps(_cut(resources, QUARANTINE_DUMP_DEPTH), default=repr)


def _cut(value: Any, levels: int) -> Any:
    if type(value) is dict:
        if levels <= 0:
            return "… (nested deeper; cut off in quarantine)"
        return {str(k): _cut(v, levels - 1) for k, v in value.items()}
    if type(value) is list:
        if levels <= 0:
            return "… (nested deeper; cut off in quarantine)"
        return [_cut(v, levels - 1) for v in value]
    return value


def resource_quarantined(reason: str, resource: dict, key: str) -> Quarantine:
    """One resource set aside on its own, belonging to no summary (yet)."""
    return Quarantine(
        reason=reason,
        resource_type=resource["resourceType"],
        resource_id=read.text_of(resource.get("id"))[:64],
        payload=dump([resource]),
        keys=(key,),
    )


def item_quarantined(resource: dict, reason: str, bsn: str, index: PageIndex) -> Quarantine:
    """One item of a summary that could not be read: the summary is shown without it (and
    says so), and the item waits here. Only the item is kept: reprocessed on its own it
    cannot replace the patient's summary with a summary of one item."""
    return Quarantine(
        reason=f"{reason} (left out of the summary; the rest is shown)",
        resource_type=resource["resourceType"],
        resource_id=read.text_of(resource.get("id"))[:64],
        patient_bsn=bsn,
        payload=dump([resource]),
        keys=(index.key_of(resource),),
    )


def patient_quarantined(
    reason: str, patient: dict, members: list[dict], index: PageIndex, bsn: str, payload: bytes
) -> Quarantine:
    """A patient's whole summary held back: the Patient and everything that came with it."""
    return Quarantine(
        reason=reason,
        resource_type="Patient",
        resource_id=read.text_of(patient.get("id"))[:64],
        patient_bsn=bsn,
        payload=payload,
        keys=index.keys_of([patient], members),
    )


def summary_quarantined(why: str, built: PatientSummary, index: PageIndex) -> Quarantine:
    """A built summary held back whole: its source, and what was left out of it for U+0000
    (the whole record waits, to be imported whole)."""
    patient, *members = built.source
    if not built.left_out:
        return patient_quarantined(why, patient, members, index, built.bsn, built.source_bytes)
    members += built.left_out
    payload = index.json_array([patient, *members])
    return patient_quarantined(why, patient, members, index, built.bsn, payload)
