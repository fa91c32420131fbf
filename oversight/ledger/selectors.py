"""What the supervisors' ledger pages read: one organisation's events, a page at a time, and
the day and hour counts behind the charts.

Always one organisation (its URA): the caller (oversight.ledger.services) passes the acting
supervisor's own. The ledger holds tens of millions of events, so the search pages by keyset
(occurred_at, seq) — never OFFSET, never a COUNT of the result — and reads each page through
an index range that ends with occurred_at (audit.models.AccessEvent), newest first, the ties
sorted by seq:

- no filter, or a period only: audit_event_org_time (organisation_ura, occurred_at) — one
  page's worth of rows, as much at 10M events as at 1M;
- an event type (soort): audit_event_org_type_time (organisation_ura, event_type,
  occurred_at) — one page's worth of rows too, however rare the type;
- a patient (bsn): audit_event_org_patient_time (organisation_ura, patient_bsn,
  occurred_at, seq) — one page's worth of rows, however long the patient's history;
- a user (gebruiker): audit_event_user_time (user_username, occurred_at), the organisation a
  filter on its rows — a page's worth of the user's events, and those they had at other
  organisations in between.

A patient's or a user's months are merged in order rather than read whole and sorted
(oversight/ledger/sql.py, page_settings; docs/performance.md). The charts count one period
of the organisation through audit_event_org_time.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from django.core import signing
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone, translation

from audit.models import AccessEvent, ConsentBasis, EventType, MisuseAlert, Outcome
from oversight.ledger.sql import page_rows
from portal.models import Role

# Dutch time, as the pages show it: settings.TIME_ZONE (Europe/Amsterdam).
AMSTERDAM = timezone.get_default_timezone()
PAGE_SIZE = 50
Direction = Literal["older", "newer"]


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in Dutch time (as an aware datetime)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=AMSTERDAM)


# --- The keyset cursor ------------------------------------------------------------------------

# Signed, so that a link cannot be edited into another position (or another shape) unseen;
# the organisation is not in it: every query is limited to the reader's own anyway.
_CURSOR_SALT = "oversight.ledger.cursor"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class BadCursor(ValueError):
    """A page link that was not made by us, or was changed."""


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just past the event (occurred_at, seq), towards `direction`."""

    occurred_at: dt.datetime
    seq: int
    direction: Direction = "older"

    def dumps(self) -> str:
        # The time as whole microseconds since the epoch: a float would lose the last digits.
        micros = (self.occurred_at - _EPOCH) // dt.timedelta(microseconds=1)
        return signing.dumps([self.direction[0], micros, self.seq], salt=_CURSOR_SALT)

    @classmethod
    def loads(cls, token: str) -> Cursor:
        try:
            kind, micros, seq = signing.loads(token, salt=_CURSOR_SALT)
            direction: Direction = {"o": "older", "n": "newer"}[kind]
            at = _EPOCH + dt.timedelta(microseconds=int(micros))
            return cls(occurred_at=at, seq=int(seq), direction=direction)
        except (signing.BadSignature, ValueError, TypeError, KeyError, OverflowError) as exc:
            raise BadCursor(str(exc)) from exc

    def as_detail(self) -> dict[str, str | int]:
        """For the ledger event of the read (no floats in the ledger)."""
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "seq": self.seq,
            "direction": self.direction,
        }


# --- The search -------------------------------------------------------------------------------


class LedgerRow(NamedTuple):
    """One event as the search page lists it: labels, not codes; the time in Dutch time.
    (A named tuple: a page makes 50, and a frozen dataclass costs twice as much to make.)"""

    seq: int
    occurred_at: dt.datetime
    local_time: str  # dd-mm-yyyy hh:mm:ss, Europe/Amsterdam
    event_type: str
    user_name: str
    username: str
    role: str
    patient_bsn: str
    consent_basis: str
    policy: str
    outcome: str
    succeeded: bool


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]  # newest first
    older: Cursor | None  # the next page back in time, if there is one
    newer: Cursor | None  # the page before this one, if this is not the newest


@dataclass(frozen=True)
class LedgerQuery:
    """A supervisor's search, as the form parsed it: the days in Dutch time, both included."""

    username: str = ""
    bsn: str = ""
    first: dt.date | None = None
    last: dt.date | None = None
    event_type: str = ""
    cursor: Cursor | None = None

    def filters(self) -> dict:
        """ledger_page's keyword arguments."""
        return dict(
            username=self.username or None,
            bsn=self.bsn or None,
            start=day_start(self.first) if self.first else None,
            end=day_start(self.last + dt.timedelta(days=1)) if self.last else None,
            event_type=self.event_type or None,
            cursor=self.cursor,
        )

    def detail(self) -> dict[str, str]:
        """What was asked, for the ledger event of the search (the empty filters left out)."""
        asked = {
            "username": self.username,
            "bsn": self.bsn,
            "from": self.first.isoformat() if self.first else "",
            "to": self.last.isoformat() if self.last else "",
            "event_type": self.event_type,
        }
        return {name: value for name, value in asked.items() if value}


_ROW_FIELDS = (
    "seq",
    "occurred_at",
    "event_type",
    "user_name",
    "user_username",
    "user_portal_role",
    "patient_bsn",
    "consent_basis",
    "consent_policy",
    "outcome",
)


def ledger_events(
    organisation_ura: str,
    *,
    username: str | None = None,
    bsn: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    event_type: str | None = None,
) -> QuerySet[AccessEvent]:
    """The organisation's events that match the filters (unordered). `start` included,
    `end` excluded. An organisation without a URA has no events of its own here: the
    ledger keeps the organisation by URA, and "" would match every such organisation."""
    if not organisation_ura:
        return AccessEvent.objects.none()
    events = AccessEvent.objects.filter(organisation_ura=organisation_ura)
    if username:
        events = events.filter(user_username=username)
    if bsn:
        events = events.filter(patient_bsn=bsn)
    if start is not None:
        events = events.filter(occurred_at__gte=start)
    if end is not None:
        events = events.filter(occurred_at__lt=end)
    if event_type:
        events = events.filter(event_type=event_type)
    return events


def _past(cursor: Cursor) -> Q:
    """Events after the cursor in its direction, in (occurred_at, seq) order. Written as a
    range on occurred_at (which every index of the ledger ends with, so it bounds the index
    scan) and the tie broken by seq, rather than a row comparison (occurred_at, seq) < (…),
    which PostgreSQL can only use with an index that holds seq."""
    at, seq = cursor.occurred_at, cursor.seq
    if cursor.direction == "older":
        return Q(occurred_at__lte=at) & (Q(occurred_at__lt=at) | Q(seq__lt=seq))
    return Q(occurred_at__gte=at) & (Q(occurred_at__gt=at) | Q(seq__gt=seq))


def _page_rows_orm(
    organisation_ura: str,
    *,
    username: str | None,
    bsn: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    event_type: str | None,
    cursor: Cursor | None,
    newer_first: bool,
    limit: int,
) -> list[tuple]:
    """What oversight.ledger.sql.page_rows reads, through the ORM: on other databases, and as
    the reference its test compares it with. Each row is _ROW_FIELDS with the time as the
    page shows it after occurred_at."""
    events = ledger_events(
        organisation_ura,
        username=username,
        bsn=bsn,
        start=start,
        end=end,
        event_type=event_type,
    )
    if cursor is not None:
        events = events.filter(_past(cursor))
    order = ("-occurred_at", "-seq") if newer_first else ("occurred_at", "seq")
    return [
        (seq, at, _local_time(at), *rest)
        for seq, at, *rest in events.order_by(*order).values_list(*_ROW_FIELDS)[:limit]
    ]


def _local_time(at: dt.datetime) -> str:
    """dd-mm-yyyy hh:mm:ss in Dutch time, as LedgerRow.local_time shows it."""
    return f"{at.astimezone(AMSTERDAM):%d-%m-%Y %H:%M:%S}"


def ledger_page(
    organisation_ura: str,
    *,
    username: str | None = None,
    bsn: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    event_type: str | None = None,
    cursor: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> LedgerPage:
    """One page of the organisation's events that match, newest first: the newest `size`
    without a cursor, else the `size` just past it (older or newer). One statement of at
    most size + 1 rows; whether there is a further page is that one extra row."""
    newer_first = cursor is None or cursor.direction == "older"
    # By hand on PostgreSQL (oversight/ledger/sql.py), else through the ORM: the same rows.
    read = page_rows if connection.vendor == "postgresql" and organisation_ura else _page_rows_orm
    found = read(
        organisation_ura,
        username=username,
        bsn=bsn,
        start=start,
        end=end,
        event_type=event_type,
        cursor=cursor,
        newer_first=newer_first,
        limit=size + 1,
    )
    more = len(found) > size
    found = found[:size]
    if not newer_first:
        if not more:
            # Back at the newest events: the first page as it is now, full.
            return ledger_page(
                organisation_ura,
                username=username,
                bsn=bsn,
                start=start,
                end=end,
                event_type=event_type,
                size=size,
            )
        found.reverse()
    rows = _rows(found)
    if not rows:
        return LedgerPage(rows=[], older=None, newer=None)
    first, last = rows[0], rows[-1]
    has_older = more if newer_first else True
    has_newer = cursor is not None  # the event the cursor names is newer, and matched
    return LedgerPage(
        rows=rows,
        older=Cursor(last.occurred_at, last.seq, "older") if has_older else None,
        newer=Cursor(first.occurred_at, first.seq, "newer") if has_newer else None,
    )


def _labels(choices: Iterable[tuple]) -> dict:
    """Each value's label in the active language."""
    return {value: str(label) for value, label in choices}


@functools.lru_cache(maxsize=8)
def _row_labels(language: str) -> tuple[dict, dict, dict, dict]:
    """The rows' labels — event types, roles, consent bases, outcomes — in `language`:
    translated once per language and process, not on every page (~70 lookups a page)."""
    with translation.override(language):
        return (
            _labels(EventType.choices),
            _labels(Role.choices),
            _labels(ConsentBasis.choices),
            _labels(Outcome.choices),
        )


def _rows(found: list[tuple]) -> list[LedgerRow]:
    types, roles, bases, outcomes = _row_labels(translation.get_language())
    rows = []
    for seq, at, local_time, kind, name, username, role, bsn, basis, policy, outcome in found:
        rows.append(
            LedgerRow(
                seq=seq,
                occurred_at=at,
                local_time=local_time,
                event_type=types.get(kind, kind),
                user_name=name,
                username=username,
                role=roles.get(role, role),
                patient_bsn=bsn,
                consent_basis=bases.get(basis, basis) if basis else "",
                policy=policy,
                outcome=outcomes.get(outcome, str(outcome)),
                succeeded=outcome == Outcome.SUCCESS,
            )
        )
    return rows


# --- The charts' figures ------------------------------------------------------------------------

LOOKUP_TYPES = (EventType.PATIENT_SEARCH, EventType.SUMMARY_VIEW)


@dataclass(frozen=True)
class DayCounts:
    day: dt.date
    searches: int
    views: int
    emergency_granted: int
    emergency_refused: int
    alerts: int


@dataclass(frozen=True)
class LedgerFigures:
    """The counts behind the charts, for the days first..last (Dutch time, both included)."""

    first: dt.date
    last: dt.date
    days: list[DayCounts]  # every day of the period, in order, zeros included
    hours: list[tuple[int, int, int]]  # (hour 0-23, searches, views), all 24
    bases: list[tuple[str, int]]  # (consent basis label, summary views), most first


def ledger_figures(organisation_ura: str, *, first: dt.date, last: dt.date) -> LedgerFigures:
    """Counted by the database, grouped by the day or hour in Dutch time, over the
    organisation's events of the period only (an index range on the organisation or the
    time bounds the read): four statements whatever the ledger's size."""
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    period = ledger_events(organisation_ura, start=start, end=end)
    lookups = Q(event_type__in=LOOKUP_TYPES)
    searches = Count("occurred_at", filter=Q(event_type=EventType.PATIENT_SEARCH))
    views = Count("occurred_at", filter=Q(event_type=EventType.SUMMARY_VIEW))
    emergency = Q(event_type=EventType.EMERGENCY_ACCESS)
    per_day = {
        row["day"]: row
        for row in period.filter(lookups | emergency)
        .annotate(day=TruncDate("occurred_at", tzinfo=AMSTERDAM))
        .values("day")
        .annotate(
            searches=searches,
            views=views,
            granted=Count("occurred_at", filter=emergency & Q(outcome=Outcome.SUCCESS)),
            refused=Count("occurred_at", filter=emergency & ~Q(outcome=Outcome.SUCCESS)),
        )
        .order_by()
    }
    alerts = (
        dict(
            MisuseAlert.objects.filter(
                organisation_ura=organisation_ura, first_seen_at__gte=start, first_seen_at__lt=end
            )
            .annotate(day=TruncDate("first_seen_at", tzinfo=AMSTERDAM))
            .values("day")
            .annotate(n=Count("*"))
            .order_by()
            .values_list("day", "n")
        )
        if organisation_ura
        else {}
    )
    per_hour = {
        row["hour"]: row
        for row in period.filter(lookups)
        .annotate(hour=ExtractHour("occurred_at", tzinfo=AMSTERDAM))
        .values("hour")
        .annotate(searches=searches, views=views)
        .order_by()
    }
    basis_labels = _labels(ConsentBasis.choices)
    bases = sorted(
        (
            (basis_labels.get(basis, basis), n)
            for basis, n in period.filter(event_type=EventType.SUMMARY_VIEW)
            .values("consent_basis")
            .annotate(n=Count("*"))
            .order_by()
            .values_list("consent_basis", "n")
        ),
        key=lambda item: (-item[1], item[0]),
    )
    days = []
    day = first
    while day <= last:
        row = per_day.get(day, {})
        days.append(
            DayCounts(
                day=day,
                searches=row.get("searches", 0),
                views=row.get("views", 0),
                emergency_granted=row.get("granted", 0),
                emergency_refused=row.get("refused", 0),
                alerts=alerts.get(day, 0),
            )
        )
        day += dt.timedelta(days=1)
    hours = [
        (hour, per_hour.get(hour, {}).get("searches", 0), per_hour.get(hour, {}).get("views", 0))
        for hour in range(24)
    ]
    return LedgerFigures(first=first, last=last, days=days, hours=hours, bases=bases)
