"""The typed professional summary: what triage sees, in the order they need it.

The items are built once by the parser and serialised at once, thousands a
page: plain slotted dataclasses, not frozen ones (a frozen dataclass sets
each field through object.__setattr__, which makes building one 2.5 times
as costly).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class PatientInfo:
    bsn: str
    name: str
    birth_date: str  # ISO date
    sex: str  # male / female / other / unknown
    address: str = ""


@dataclass(slots=True)
class GpInfo:
    name: str = ""
    uzi: str = ""
    agb: str = ""
    practice_name: str = ""
    practice_agb: str = ""
    practice_ura: str = ""


@dataclass(slots=True)
class Alert:
    text: str
    code: str = ""
    since: str = ""


@dataclass(slots=True)
class Allergy:
    substance: str
    code: str = ""
    criticality: str = ""  # low / high / unable-to-assess
    category: str = ""
    reactions: tuple[str, ...] = ()
    since: str = ""


@dataclass(slots=True)
class Episode:
    title: str
    icpc: str = ""
    attention: bool = False
    psychological: bool = False
    since: str = ""


@dataclass(slots=True)
class Medication:
    name: str
    code: str = ""
    dosage: str = ""
    kind: str = ""  # use / prescription / dispense
    start: str = ""
    end: str = ""


@dataclass(slots=True)
class LabResult:
    name: str
    date: str
    value: str
    unit: str = ""
    low: str = ""
    high: str = ""
    interpretation: str = ""  # H / L / N / A ... as sent
    out_of_range: bool = False
    code: str = ""


@dataclass(slots=True)
class JournalEntry:
    date: str
    contact: str = ""
    icpc: str = ""
    s: str = ""
    o: str = ""
    e: str = ""
    p: str = ""


NONE_UNREADABLE: dict[str, int] = {}  # shared by every summary without unreadable items


@dataclass(slots=True)
class ProfessionalSummary:
    patient: PatientInfo
    gp: GpInfo
    alerts: tuple[Alert, ...] = ()
    allergies: tuple[Allergy, ...] = ()
    medication: tuple[Medication, ...] = ()
    episodes: tuple[Episode, ...] = ()
    lab: tuple[LabResult, ...] = ()
    journal: tuple[JournalEntry, ...] = ()
    fhir_version: str = "R4"
    window_start: str = ""  # journal and lab: from this date on
    omitted_outside_window: int = 0
    source_updated_at: str = ""
    # Resources that reached the summary's source but no section (e.g. a
    # zib observation that is not part of the PS), by "Type/id".
    not_shown: tuple[str, ...] = field(default=())
    # Items left out because they cannot be read, counted per section ("medication": 1):
    # the summary says so, and each item waits in the quarantine for the administrator.
    # Nearly always empty: one shared empty dict, never changed, rather than one per summary
    # (thousands a page, each more work for the garbage collector).
    unreadable: dict[str, int] = field(default_factory=lambda: NONE_UNREADABLE)

    def to_json(self) -> bytes:
        """The typed sections as JSON (stored as JSONB); orjson writes dataclasses natively."""
        return orjson.dumps(self)

    def sections(self) -> dict[str, Any]:
        return orjson.loads(self.to_json())


@dataclass(frozen=True)
class Limits:
    max_page_bytes: int = 64 * 1024 * 1024
    max_summary_bytes: int = 2 * 1024 * 1024
    max_depth: int = 40
    window_days: int = 122  # the 4-month journal window of the PS


@dataclass
class PatientSummary:
    bsn: str
    birth_date: dt.date
    summary: ProfessionalSummary
    source: list[dict]
    source_bytes: bytes
    source_version: str
    source_updated_at: dt.datetime | None
    keys: tuple[str, ...]
    # Where each resource ended up: a section name, or why it is not shown.
    placement: dict[str, str] = field(default_factory=dict)
    # The items left out as unreadable: each resource with the reason (for the quarantine).
    unreadable: tuple[tuple[dict, str], ...] = ()
    # Those of them not in the source (they hold U+0000, which it cannot store): a summary
    # held back whole takes them along into the quarantine, with the rest of the record.
    left_out: tuple[dict, ...] = ()
