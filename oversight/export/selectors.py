"""What the FHIR AuditEvent export reads (issue 16, item 4): an organisation's ledger events,
for one patient or a period, in the ledger's order (seq), a page at a time. Reads only; the
service (oversight.export.services) logs what it hands out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from audit.models import AccessEvent, EventType
from oversight.ledger.selectors import day_start

# Every column of an event: the mapping (audit.fhir) uses them all.
EXPORT_FIELDS = tuple(field.attname for field in AccessEvent._meta.concrete_fields)
MAX_COUNT = 500


@dataclass(frozen=True)
class ExportQuery:
    """One patient (BSN) and/or a period of days (Dutch time, both included); `after`: the
    seq the previous page ended with; `until`: the ledger's head when the export began
    (0: not fixed yet) — the export's own logged events come after it, so an export ends."""

    bsn: str = ""
    first: dt.date | None = None
    last: dt.date | None = None
    after: int = 0
    until: int = 0
    count: int = 100

    def detail(self) -> dict[str, str | int]:
        """For the ledger: what was asked (the BSN is the event's own patient column)."""
        asked: dict[str, str | int] = {
            "after": self.after,
            "until": self.until,
            "count": self.count,
        }
        if self.first:
            asked["from"] = self.first.isoformat()
        if self.last:
            asked["to"] = self.last.isoformat()
        return asked


def export_page(organisation_ura: str, query: ExportQuery) -> tuple[list[dict], bool]:
    """Up to `count` of the organisation's events matching `query` after `after` up to
    `until` (which must be fixed), oldest first, as dicts of EXPORT_FIELDS; and whether more
    follow. None for an organisation without a URA (the ledger keeps them by URA)."""
    if not organisation_ura:
        return [], False
    events = AccessEvent.objects.filter(
        organisation_ura=organisation_ura, seq__gt=query.after, seq__lte=query.until
    )
    if query.bsn:
        # The patient's events, and the pages of the ledger search that showed them
        # (audit.events.ledger_searched names them in detail.patients).
        events = events.filter(
            Q(patient_bsn=query.bsn)
            | Q(event_type=EventType.ADMIN_READ, detail__patients__contains=query.bsn)
        )
    if query.first:
        events = events.filter(occurred_at__gte=day_start(query.first))
    if query.last:
        events = events.filter(occurred_at__lt=day_start(query.last + dt.timedelta(days=1)))
    found = list(events.order_by("seq").values(*EXPORT_FIELDS)[: query.count + 1])
    return found[: query.count], len(found) > query.count
