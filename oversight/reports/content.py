"""What an organisation's access report says about a period: its volumes per day and hour,
consent bases and emergency accesses (the charts' figures, oversight.ledger), the misuse
alerts and their reviews, the most active users, and the ledger's chain head at the end.
Each part is counted by the database over the organisation's events of the period (index
ranges on organisation and time), so memory holds the period's aggregates, not its events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from audit.models import AccessEvent, EventType, LedgerCheckpoint, MisuseAlert
from oversight.ledger.charts import Chart, charts_draw
from oversight.ledger.selectors import LedgerFigures, day_start, ledger_events, ledger_figures
from oversight.models import AlertReview

MOST_ACTIVE_USERS = 15
# Rows per table: a long period's table is split into tables of this many rows, each with
# its heading, so no table spans pages (WeasyPrint lays out a long table at great cost).
ROWS_PER_TABLE = 31


@dataclass(frozen=True)
class AlertLine:
    kind: str
    user: str
    first_seen_at: dt.datetime
    hits: int
    review: str  # the latest step's label, "" when not reviewed yet
    justification: str


@dataclass(frozen=True)
class UserLine:
    name: str
    username: str
    searches: int
    views: int
    emergency: int


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str
    at: dt.datetime
    checkpoint_seq: int | None  # the last checkpoint before the end, and whether its head
    checkpoint_hash: str  # was timestamped outside the database (audit.anchors)
    checkpoint_timestamped: bool


@dataclass(frozen=True)
class ReportContent:
    organisation: str
    first: dt.date
    last: dt.date
    events: int
    figures: LedgerFigures
    charts: list[Chart]
    alerts: list[AlertLine]
    users: list[UserLine]
    head: ChainHead | None

    @property
    def totals(self) -> dict[str, int]:
        """The period's sums, for the first page."""
        days = self.figures.days
        return {
            "searches": sum(d.searches for d in days),
            "views": sum(d.views for d in days),
            "emergency": sum(d.emergency_granted for d in days),
            "emergency_refused": sum(d.emergency_refused for d in days),
            "alerts_reviewed": sum(1 for a in self.alerts if a.review),
        }


def _alerts(ura: str, start: dt.datetime, end: dt.datetime) -> list[AlertLine]:
    found = list(
        MisuseAlert.objects.filter(
            organisation_ura=ura, first_seen_at__gte=start, first_seen_at__lt=end
        ).order_by("first_seen_at", "id")
    )
    latest: dict[int, AlertReview] = {}
    for review in AlertReview.objects.filter(alert__in=found).order_by("reviewed_at", "id"):
        latest[review.alert_id] = review
    return [
        AlertLine(
            kind=alert.get_kind_display(),
            user=alert.user_name or alert.username,
            first_seen_at=alert.first_seen_at,
            hits=alert.hits,
            review=latest[alert.id].get_step_display() if alert.id in latest else "",
            justification=latest[alert.id].justification if alert.id in latest else "",
        )
        for alert in found
    ]


def _users(period) -> list[UserLine]:
    rows = (
        period.filter(
            event_type__in=(
                EventType.PATIENT_SEARCH,
                EventType.SUMMARY_VIEW,
                EventType.EMERGENCY_ACCESS,
            )
        )
        .values("user_username", "user_name")
        .annotate(
            searches=Count("seq", filter=Q(event_type=EventType.PATIENT_SEARCH)),
            views=Count("seq", filter=Q(event_type=EventType.SUMMARY_VIEW)),
            emergency=Count("seq", filter=Q(event_type=EventType.EMERGENCY_ACCESS)),
        )
        .order_by("-views", "-searches", "user_username")[:MOST_ACTIVE_USERS]
    )
    return [
        UserLine(
            name=row["user_name"] or row["user_username"],
            username=row["user_username"],
            searches=row["searches"],
            views=row["views"],
            emergency=row["emergency"],
        )
        for row in rows
    ]


def _head(end: dt.datetime) -> ChainHead | None:
    """The ledger's last event before the end of the period (by time; audit_event_time) and
    the last checkpoint made before it: printed, they tie the report to the chain."""
    last = (
        AccessEvent.objects.filter(occurred_at__lt=end)
        .order_by("-occurred_at", "-seq")
        .values("seq", "hash", "occurred_at")
        .first()
    )
    if last is None:
        return None
    checkpoint = LedgerCheckpoint.objects.filter(created_at__lt=end).order_by("-seq").first()
    return ChainHead(
        seq=last["seq"],
        hash=last["hash"],
        at=last["occurred_at"],
        checkpoint_seq=checkpoint.seq if checkpoint else None,
        checkpoint_hash=checkpoint.hash if checkpoint else "",
        checkpoint_timestamped=bool(checkpoint and checkpoint.timestamp_token),
    )


# The parts a worker counts, one progress step each (the PDF is the last step).
STEPS = 4


def report_content(
    *, ura: str, organisation: str, first: dt.date, last: dt.date, progress=None
) -> ReportContent:
    """The report's content; `progress(step)` is called after each of the STEPS parts."""
    done = progress or (lambda step: None)
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    period = ledger_events(ura, start=start, end=end)
    figures = ledger_figures(ura, first=first, last=last)
    events = period.count()
    done(1)
    alerts = _alerts(ura, start, end)
    done(2)
    users = _users(period)
    done(3)
    head = _head(end)
    done(4)
    return ReportContent(
        organisation=organisation,
        first=first,
        last=last,
        events=events,
        figures=figures,
        charts=charts_draw(figures),
        alerts=alerts,
        users=users,
        head=head,
    )


def chunks(rows: list, size: int = ROWS_PER_TABLE) -> list[list]:
    """A long table as tables of `size` rows (see ROWS_PER_TABLE)."""
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
