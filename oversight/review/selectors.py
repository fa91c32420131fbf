"""What the supervisors' alert pages read: their own organisation's misuse alerts, each with
its explanation, its facts in words, the ledger events behind it and its review history.

Every read is limited to the membership's organisation (by URA, as the alerts name it);
the services (oversight.review.services) log each page that shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import ConsentBasis, EventType, MisuseAlert, Outcome
from oversight.models import AlertReview
from oversight.monitoring.registry import alert_explanation
from portal.models import Membership, Role
from portal.templatetags.triage import day_month_time

# Rows per page of the list; ledger events shown on an alert's page (the newest; the
# access log has them all).
PAGE_SIZE = 50
EVENTS_SHOWN = 100


class AlertState(models.TextChoices):
    """Where an alert's review stands: open (not reviewed yet), escalated (open, for a
    second look), closed (acknowledged: MisuseAlert.reviewed)."""

    OPEN = "open", gettext_lazy("Open")
    ESCALATED = "escalated", gettext_lazy("Escalated")
    CLOSED = "closed", gettext_lazy("Closed")


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    kind_label: str
    username: str
    user_name: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    hits: int
    state: AlertState


@dataclass(frozen=True)
class AlertList:
    rows: list[AlertRow]
    total: int  # alerts that match the filters
    page: int
    pages: int
    users: list[tuple[str, str]]  # (username, name) of everyone with an alert here


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class EventRow:
    seq: int
    occurred_at: dt.datetime
    event_type: str  # its label
    refused: bool
    patient_bsn: str
    consent_basis: str  # its label, "" for none
    consent_policy: str


@dataclass(frozen=True)
class ReviewRow:
    reviewed_at: dt.datetime
    reviewer_name: str
    reviewer_username: str
    step: str  # its label
    justification: str


@dataclass(frozen=True)
class AlertDetail:
    alert: MisuseAlert
    kind_label: str
    state: AlertState
    explanation: str
    facts: list[Fact]
    events: list[EventRow]  # the newest EVENTS_SHOWN, newest first
    events_total: int
    reviews: list[ReviewRow]  # oldest first
    # Why the reader may not review this alert ("" when they may): the page says so
    # instead of offering the form (alert_review_refusal, which the service applies too).
    review_refused: str = ""

    @property
    def patients(self) -> list[str]:
        """The BSNs the page shows (the events' and the facts'), for the read's event."""
        shown = {row.patient_bsn for row in self.events if row.patient_bsn}
        shown.update(_bsns(self.alert.detail.get("patients")))
        return sorted(shown)


def organisation_alerts(membership: Membership) -> models.QuerySet[MisuseAlert]:
    """The alerts of the membership's organisation, with whether one was escalated. An
    organisation without a URA has none: alerts are keyed by URA, and "" names nobody."""
    ura = membership.organisation.ura
    if not ura:
        return MisuseAlert.objects.none()
    escalated = AlertReview.objects.filter(alert=OuterRef("pk"), step=AlertReview.Step.ESCALATED)
    return MisuseAlert.objects.filter(organisation_ura=ura).annotate(escalated=Exists(escalated))


def alert_of_organisation(*, membership: Membership, alert_id: int) -> MisuseAlert | None:
    """One alert if it is the membership's organisation's; None for any other id."""
    return organisation_alerts(membership).filter(pk=alert_id).first()


def alert_review_refusal(alert: MisuseAlert, reviewer_username: str) -> str:
    """Why `reviewer_username` may not take a review step on `alert`, in the reader's
    language; "" when they may. Nobody reviews an alert about their own actions (its user,
    or the account it names, as a role granted), and the second look at an escalated alert
    is by someone else than who escalated it: the one who escalated may neither acknowledge
    it nor escalate it again (escalating twice is no second look either)."""
    detail = alert.detail if isinstance(alert.detail, dict) else {}
    about = {alert.username, str(detail.get("username") or "")} - {""}
    if reviewer_username in about:
        return _(
            "This alert is about your own actions: another supervisor of your "
            "organisation reviews it."
        )
    escalated_by_reviewer = alert.reviews.filter(
        step=AlertReview.Step.ESCALATED, reviewer_username=reviewer_username
    ).exists()
    if escalated_by_reviewer:
        return _(
            "You escalated this alert: the second review is by another supervisor of "
            "your organisation."
        )
    return ""


def alert_closed_by(alert: MisuseAlert) -> str:
    """Who acknowledged (closed) the alert; "" when no review says so."""
    last = alert.reviews.filter(step=AlertReview.Step.ACKNOWLEDGED).order_by("-id").first()
    return (last.reviewer_name or last.reviewer_username) if last else ""


def _state(alert: MisuseAlert) -> AlertState:
    if alert.reviewed:
        return AlertState.CLOSED
    return AlertState.ESCALATED if alert.escalated else AlertState.OPEN


def alert_list(
    *, membership: Membership, state: str = "", kind: str = "", username: str = "", page: int = 1
) -> AlertList:
    """One page of the organisation's alerts: open ones first (open, escalated, then
    closed), each group newest first; filtered by state, kind and user when given."""
    alerts = organisation_alerts(membership)
    users = list(
        alerts.values("username")
        .annotate(name=Max("user_name"))
        .order_by("name", "username")
        .values_list("username", "name")
    )
    if state == AlertState.OPEN:
        alerts = alerts.filter(reviewed=False, escalated=False)
    elif state == AlertState.ESCALATED:
        alerts = alerts.filter(reviewed=False, escalated=True)
    elif state == AlertState.CLOSED:
        alerts = alerts.filter(reviewed=True)
    if kind:
        alerts = alerts.filter(kind=kind)
    if username:
        alerts = alerts.filter(username=username)
    alerts = alerts.order_by("reviewed", "escalated", "-last_seen_at", "-id")
    shown = Paginator(alerts, PAGE_SIZE).get_page(page)
    kinds = dict(MisuseAlert.Kind.choices)
    return AlertList(
        rows=[
            AlertRow(
                id=alert.pk,
                kind=alert.kind,
                kind_label=str(kinds.get(alert.kind, alert.kind)),
                username=alert.username,
                user_name=alert.user_name,
                first_seen_at=alert.first_seen_at,
                last_seen_at=alert.last_seen_at,
                hits=alert.hits,
                state=_state(alert),
            )
            for alert in shown
        ],
        total=shown.paginator.count,
        page=shown.number,
        pages=shown.paginator.num_pages,
        users=users,
    )


def alert_detail(*, membership: Membership, alert_id: int) -> AlertDetail | None:
    """One alert of the membership's organisation as its page shows it; None for any other
    (another organisation's alert and an unknown id alike)."""
    alert = alert_of_organisation(membership=membership, alert_id=alert_id)
    if alert is None:
        return None
    types, bases = dict(EventType.choices), dict(ConsentBasis.choices)
    events = [
        EventRow(
            seq=seq,
            occurred_at=at,
            event_type=str(types.get(event_type, event_type)),
            refused=outcome != Outcome.SUCCESS,
            patient_bsn=bsn,
            consent_basis=str(bases[basis]) if basis in bases and basis else basis,
            consent_policy=policy,
        )
        for seq, at, event_type, outcome, bsn, basis, policy in alert.events()
        .order_by("-seq")
        .values_list(
            "seq",
            "occurred_at",
            "event_type",
            "outcome",
            "patient_bsn",
            "consent_basis",
            "consent_policy",
        )[:EVENTS_SHOWN]
    ]
    steps = dict(AlertReview.Step.choices)
    refused = "" if alert.reviewed else alert_review_refusal(alert, membership.user.username)
    return AlertDetail(
        alert=alert,
        kind_label=alert.get_kind_display(),
        state=_state(alert),
        explanation=_explanation(alert.kind),
        facts=alert_facts(alert.detail),
        events=events,
        events_total=alert.event_links.count() if len(events) == EVENTS_SHOWN else len(events),
        reviews=[
            ReviewRow(
                reviewed_at=review.reviewed_at,
                reviewer_name=review.reviewer_name,
                reviewer_username=review.reviewer_username,
                step=str(steps.get(review.step, review.step)),
                justification=review.justification,
            )
            for review in alert.reviews.order_by("reviewed_at", "id")
        ],
        review_refused=refused,
    )


def _explanation(kind: str) -> str:
    try:
        return alert_explanation(kind)
    except KeyError:  # a kind without a rule (yet): the facts still say what happened
        return ""


# --- The alert's detail in words ---------------------------------------------------------------

# The detail keys the rules and the throttle write (oversight/monitoring/rules/, triage.search,
# portal.services.membership_save), in the order the page lists them. Keys not named here are
# shown after these, under their own name.
FACT_LABELS: dict[str, Any] = {
    "emergency_accesses": gettext_lazy("Emergency accesses"),
    "refused": gettext_lazy("Of which refused"),
    "views": gettext_lazy("Summaries viewed"),
    "reasons": gettext_lazy("Reasons given for emergency access"),
    "policies": gettext_lazy("Policies"),
    "most_patients_in_an_hour": gettext_lazy("Most different patients within an hour"),
    "most_failed_searches": gettext_lazy("Most searches that found nobody within the span"),
    "most_tries": gettext_lazy("Most tries of one BSN within the span"),
    "patients_last_hour": gettext_lazy("Different patients searched in the last hour"),
    "failed_searches_last_hour": gettext_lazy("Searches that found nobody in the last hour"),
    "limit": gettext_lazy("Threshold"),
    "minutes": gettext_lazy("Span (minutes)"),
    "hours": gettext_lazy("Hours of the views (Dutch time)"),
    "usual_hours": gettext_lazy("Usual hours (Dutch time)"),
    "days_learned_from": gettext_lazy("Days worked in the learning period"),
    "username": gettext_lazy("Account"),
    "role": gettext_lazy("Role"),
    "uzi_role_code": gettext_lazy("UZI role code"),
    "organisation_name": gettext_lazy("Organisation"),
    "organisation_ura": gettext_lazy("Organisation URA"),
    "organisation_agb": gettext_lazy("Organisation AGB"),
    "patients": gettext_lazy("Patients (BSN)"),
    "window_minutes": gettext_lazy("Window before and after a view (minutes)"),
    "judged_from": gettext_lazy("Views judged from"),
    "judged_until": gettext_lazy("Views judged until"),
}
# Moments, written by the rules as ISO 8601 in UTC; shown in Dutch time as the page does.
_MOMENTS = frozenset({"judged_from", "judged_until"})
# Internal references that mean nothing to a reader.
_LEFT_OUT = frozenset({"membership"})
_MATCHED = {"surname": gettext_lazy("surname"), "postal_code": gettext_lazy("postal code")}


def alert_facts(detail: dict[str, Any]) -> list[Fact]:
    """An alert's detail (the facts of its latest hit) as labelled values in words."""
    keys = [key for key in FACT_LABELS if key in detail]
    keys += sorted(key for key in detail if key not in FACT_LABELS and key not in _LEFT_OUT)
    facts = []
    for key in keys:
        value = _value(key, detail[key])
        if value != "":
            label = FACT_LABELS.get(key) or key.replace("_", " ").capitalize()
            facts.append(Fact(label=str(label), value=value))
    return facts


def _value(key: str, value: Any) -> str:
    if key in ("hours", "usual_hours") and isinstance(value, list):
        return _hour_ranges(value)
    if key == "reasons" and isinstance(value, list):
        reasons = _emergency_reasons()
        return ", ".join(str(reasons.get(reason, reason)) for reason in value)
    if key == "role":
        return str(dict(Role.choices).get(value, value))
    if key == "patients" and isinstance(value, list):
        return ", ".join(_patient(item) for item in value)
    if key in _MOMENTS and isinstance(value, str):
        return _moment(value)
    return _plain(value)


def _moment(value: str) -> str:
    """ "2026-11-02T23:30:00+00:00" → "3 november 2026 00:30": in Dutch time, as
    the page's other times; a value that is no moment is shown as it is."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return day_month_time(moment)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    return str(value)


def _patient(item: Any) -> str:
    """A BSN, or (the shared-name rule) a BSN with what it shares with the user."""
    if isinstance(item, dict):
        matched = ", ".join(str(_MATCHED.get(m, m)) for m in item.get("matched") or [])
        bsn = str(item.get("bsn", ""))
        return f"{bsn} ({matched})" if matched else bsn
    return str(item)


def _bsns(patients: Any) -> set[str]:
    if not isinstance(patients, list):
        return set()
    return {
        str(item.get("bsn", "")) if isinstance(item, dict) else str(item) for item in patients
    } - {""}


def _hour_ranges(hours: list[int]) -> str:
    """[2, 3, 9] → "02:00–04:00, 09:00–10:00": hours of the day (Dutch time) as spans."""
    spans: list[list[int]] = []
    for hour in sorted({h for h in hours if isinstance(h, int) and 0 <= h < 24}):
        if spans and spans[-1][1] == hour:
            spans[-1][1] = hour + 1
        else:
            spans.append([hour, hour + 1])
    return ", ".join(f"{start:02d}:00–{end % 24:02d}:00" for start, end in spans)


def _emergency_reasons() -> dict[str, Any]:
    """The coded reasons for emergency access with their labels. Triage owns them and sits
    above oversight: reached through Django's app registry, as the relatives rule reaches
    the staff's tables, not by import."""
    field = apps.get_model("triage", "PointOfCareConsent")._meta.get_field("emergency_reason")
    return dict(field.choices or ())
