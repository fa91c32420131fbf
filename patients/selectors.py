"""What the patient's page reads: every access to their data in the ledger, newest first,
in their words (patients.wording), and whether supervision reviewed it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent, EventType, MisuseAlertEvent
from patients import sql
from patients.models import PatientAccount
from patients.wording import WHAT_WAS_DONE, basis_in_words
from portal.models import Role
from registry.selectors import PatientChoices, patient_choices
from registry.services import PATIENT_ROLE, PatientSelf

LOG_PAGE_SIZE = 50


class Review:
    """Whether supervision looked at an access (an alert's review, issue 15)."""

    REVIEWED = "reviewed"
    PENDING = "pending"  # an alert cites it, or it must always be reviewed, not done yet
    NONE = ""  # nothing asked for a review


@dataclass(frozen=True)
class Period:
    """Whole days, Dutch time; either end may be open."""

    since: dt.date | None = None
    until: dt.date | None = None

    def as_detail(self) -> dict[str, str]:
        return {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


@dataclass(frozen=True)
class LogRow:
    seq: int
    at: dt.datetime
    what: str
    organisation: str
    role: str
    person: str  # who did it; the patient's own acts say "you"
    responsible: str  # the responsible person, where someone acted under their name
    basis: str  # the consent basis in plain words, "" where none applies
    review: str  # a Review value


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    older: int | None  # the cursor of the next (older) page; None on the last


def patient_self(account: PatientAccount) -> PatientSelf:
    """The patient as the registry's services take them: their BSN from their account."""
    user = account.user
    return PatientSelf(
        username=user.username, name=user.username, bsn=account.bsn, birth_date=account.birth_date
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _about(bsn: str) -> Q:
    """Events about the patient: theirs by patient_bsn, and the supervisors' ledger pages
    that showed them (one event a page, naming its patients: audit.events.ledger_searched;
    indexed by audit_event_read_patients)."""
    return Q(patient_bsn=bsn) | Q(event_type=EventType.ADMIN_READ, detail__patients__contains=[bsn])


def log_events(*, bsn: str, period: Period, before: int | None = None) -> QuerySet:
    """The accesses to the patient's data, newest first, without their own readings of this
    log (each page view would add a row; the index audit_event_patient_log leaves them out
    too); a privacy officer's PDF of it is not left out."""
    events = AccessEvent.objects.filter(_about(bsn)).exclude(
        event_type=EventType.PATIENT_LOG_READ, user_portal_role=PATIENT_ROLE
    )
    if period.since:
        events = events.filter(occurred_at__gte=_day_start(period.since))
    if period.until:
        events = events.filter(occurred_at__lt=_day_start(period.until + dt.timedelta(days=1)))
    if before is not None:
        events = events.filter(seq__lt=before)
    return events.order_by("-seq")


def _log_rows_orm(*, bsn: str, period: Period, before: int | None, limit: int) -> list[tuple]:
    """What patients.sql.log_rows reads, through the ORM (two statements): on other
    databases than PostgreSQL, and as the reference its test compares it with."""
    found = list(
        log_events(bsn=bsn, period=period, before=before).values_list(
            "id", *sql.LOG_FIELDS, "detail"
        )[:limit]
    )
    reviewed = _alerts_reviewed([event[0] for event in found])
    return [
        (*fields, bool((detail or {}).get("needs_review")), reviewed.get(event_id))
        for event_id, *fields, detail in found
    ]


def _alerts_reviewed(event_ids: list[int]) -> dict[int, bool]:
    """Per event cited by misuse alerts: whether every alert citing it is reviewed."""
    reviewed: dict[int, bool] = {}
    links = MisuseAlertEvent.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "alert__reviewed"
    )
    for event_id, done in links:
        reviewed[event_id] = reviewed.get(event_id, True) and done
    return reviewed


def _review(needs_review: bool, alerts_reviewed: bool | None) -> str:
    """Reviewed once every alert citing it is; pending while one is not, or while nothing
    cites an access that must always be reviewed."""
    if alerts_reviewed is None:
        return Review.PENDING if needs_review else Review.NONE
    return Review.REVIEWED if alerts_reviewed else Review.PENDING


def _log_page(found: list[tuple], size: int) -> LogPage:
    """LogRows in the patient's words from at most size + 1 log rows (patients.sql)."""
    roles = {value: str(label) for value, label in Role.choices}
    you = _("you")
    rows = [
        LogRow(
            seq=seq,
            at=at,
            what=str(WHAT_WAS_DONE.get(event_type, event_type)),
            organisation=organisation,
            role=roles.get(portal_role, ""),
            person=you if portal_role == PATIENT_ROLE else name,
            responsible=responsible if responsible != name else "",
            basis=basis_in_words(basis, policy),
            review=_review(needs_review, alerts_reviewed),
        )
        for (
            seq,
            at,
            event_type,
            organisation,
            portal_role,
            name,
            responsible,
            basis,
            policy,
            needs_review,
            alerts_reviewed,
        ) in found[:size]
    ]
    return LogPage(rows=rows, older=rows[-1].seq if len(found) > size else None)


def _bounds(period: Period) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The period as times: from the start of its first day to the start of the day after."""
    since = _day_start(period.since) if period.since else None
    until = _day_start(period.until + dt.timedelta(days=1)) if period.until else None
    return since, until


def access_log(
    *, bsn: str, period: Period, before: int | None = None, size: int = LOG_PAGE_SIZE
) -> LogPage:
    """One page of the accesses to the patient's data (log_events' rule): in one statement
    on PostgreSQL (patients/sql.py), else through the ORM."""
    if connection.vendor == "postgresql":
        since, until = _bounds(period)
        found = sql.log_rows(bsn=bsn, since=since, until=until, before=before, limit=size + 1)
    else:
        found = _log_rows_orm(bsn=bsn, period=period, before=before, limit=size + 1)
    return _log_page(found, size)


def patient_page(
    *, bsn: str, period: Period, before: int | None = None, size: int = LOG_PAGE_SIZE
) -> tuple[LogPage, PatientChoices]:
    """What the patient's page shows: a page of the log (access_log) and their choices (the
    registry's patient_choices); in one statement on PostgreSQL."""
    if connection.vendor != "postgresql":
        return access_log(bsn=bsn, period=period, before=before, size=size), patient_choices(bsn)
    since, until = _bounds(period)
    rows = sql.page_rows(bsn=bsn, since=since, until=until, before=before, limit=size + 1)
    return _log_page(rows.log, size), PatientChoices(current=rows.current, history=rows.history)


def access_log_whole(
    *, bsn: str, period: Period | None = None, page_size: int = 500
) -> list[LogRow]:
    """Every access to the patient's data, newest first, read a page at a time (a PDF has
    no "older" link); one patient's log is hundreds of rows at most."""
    rows: list[LogRow] = []
    before = None
    while True:
        page = access_log(bsn=bsn, period=period or Period(), before=before, size=page_size)
        rows.extend(page.rows)
        if page.older is None:
            return rows
        before = page.older


# An organisation dealt with a patient when its staff looked them up, recorded their
# answer or read their summary. Refusals do not count: a privacy officer's refused request
# names the patient too, and must not open the next one.
CONTACT_EVENTS = (
    EventType.PATIENT_SEARCH,
    EventType.CONSENT_RECORDED,
    EventType.CONSENT_REFUSED,
    EventType.EMERGENCY_ACCESS,
    EventType.SUMMARY_VIEW,
)


def organisation_dealt_with(*, ura: str, bsn: str) -> bool:
    """Indexed by audit_event_org_patient_time (organisation, patient, time)."""
    return AccessEvent.objects.filter(
        organisation_ura=ura, patient_bsn=bsn, event_type__in=CONTACT_EVENTS
    ).exists()
