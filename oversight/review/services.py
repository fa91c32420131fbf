"""The supervisors' review of misuse alerts: reading them (each page a ledger event) and
acknowledging or escalating one (a ledger event and an AlertReview row, in one
transaction). Only the alerts of the supervisor's own organisation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.models import MisuseAlert
from audit.services import access_events_batched
from oversight.access import supervisor_actor
from oversight.models import AlertReview
from oversight.review.selectors import (
    AlertDetail,
    AlertList,
    alert_closed_by,
    alert_detail,
    alert_list,
    alert_of_organisation,
    alert_review_refusal,
)
from portal.models import Membership

# A review's justification: long enough to say what was checked and found (the ledger
# keeps it), short enough for the ledger's detail. The form shows the same limits.
JUSTIFICATION_MIN = 10
JUSTIFICATION_MAX = 2000


class AlertNotFound(Exception):
    """No alert of the membership's organisation has this id: the page answers 404 and says
    nothing more (another organisation's alert and an unknown id look the same)."""


class ReviewRefused(Exception):
    """The reviewer may not review this alert: it is about their own actions, or they
    escalated it and the second look is someone else's (selectors.alert_review_refusal).
    The message, in the user's language, says so; nothing is written."""


class AlertClosed(Exception):
    """The alert was acknowledged already (perhaps by a colleague a moment ago): a closed
    alert stays as it is; a new hit opens a new one. `closed_by`: who acknowledged it."""

    def __init__(self, alert_id: int, closed_by: str = ""):
        super().__init__(alert_id)
        self.closed_by = closed_by


@transaction.atomic
def alert_list_open(
    *, membership: Membership, state: str = "", kind: str = "", username: str = "", page: int = 1
) -> AlertList:
    """The list page: read, then logged (ADMIN_READ) in the same transaction; nothing is
    returned if the event cannot be written."""
    actor = supervisor_actor(membership)
    alerts = alert_list(membership=membership, state=state, kind=kind, username=username, page=page)
    asked = {"state": state, "kind": kind, "user": username}
    filters = {name: value for name, value in asked.items() if value}
    if alerts.page > 1:
        filters["page"] = str(alerts.page)
    events.alerts_read(actor=actor, page="alerts", filters=filters, shown=len(alerts.rows))
    return alerts


@transaction.atomic
def alert_open(*, membership: Membership, alert_id: int) -> AlertDetail:
    """One alert's page: read, then logged (ADMIN_READ, one event per patient it shows)
    in the same transaction; nothing is returned if the events cannot be written.
    AlertNotFound for any alert not the organisation's; the caller logs that refusal
    (portal.access.deny) outside this transaction."""
    actor = supervisor_actor(membership)
    detail = alert_detail(membership=membership, alert_id=alert_id)
    if detail is None:
        raise AlertNotFound(alert_id)
    _log_alert_read(actor, detail)
    return detail


def _log_alert_read(actor: Actor, detail: AlertDetail) -> None:
    """One event per patient the page shows, so that each patient's own log has it
    (NEN 7513), written together (one ledger lock); one without a patient when it shows
    none. The events' BSNs come from the ledger, which checked them; the alert's facts'
    are checked as any event's."""
    checked = {row.patient_bsn for row in detail.events if row.patient_bsn}
    with access_events_batched(valid_bsns=checked):
        for bsn in detail.patients or [""]:
            events.alerts_read(
                actor=actor,
                page="alert",
                alert_id=detail.alert.pk,
                shown=len(detail.events),
                patient_bsn=bsn,
            )


def alert_review_check(*, membership: Membership, alert_id: int) -> MisuseAlert:
    """The alert, for the confirmation of a review step, if the membership may review it
    now: the same refusals as alert_review (AlertNotFound, AlertClosed, ReviewRefused),
    before anything is asked. Writes nothing: the confirmation names only the alert's kind
    and user, which its page (logged as read) showed a moment ago."""
    actor = supervisor_actor(membership)
    alert = alert_of_organisation(membership=membership, alert_id=alert_id)
    if alert is None:
        raise AlertNotFound(alert_id)
    if alert.reviewed:
        raise AlertClosed(alert_id, closed_by=alert_closed_by(alert))
    refused = alert_review_refusal(alert, actor.username)
    if refused:
        raise ReviewRefused(refused)
    return alert


@transaction.atomic
def alert_review(
    *,
    membership: Membership,
    alert_id: int,
    step: AlertReview.Step,
    justification: str,
    now: dt.datetime,
) -> AlertReview:
    """Acknowledge (close) or escalate (keep open for a second look) an alert of the
    membership's organisation, with the supervisor's justification: the ledger event
    (ALERT_REVIEWED), the review row that cites it, and on acknowledging the alert closed
    (MisuseAlert.reviewed) — all or nothing. The alert is locked while this runs: two
    supervisors reviewing at once are serialised, and the second finds it closed.

    AlertNotFound for an alert not the organisation's; AlertClosed for a closed one;
    ReviewRefused for one about the reviewer's own actions or escalated by the reviewer;
    ValueError for a justification outside JUSTIFICATION_MIN..MAX. Nothing is written in
    any of these cases."""
    actor = supervisor_actor(membership)
    step = AlertReview.Step(step)
    justification = justification.strip()
    # The form says so first, at the field; this holds for every caller.
    if not JUSTIFICATION_MIN <= len(justification) <= JUSTIFICATION_MAX:
        raise ValueError(
            f"a review needs a justification of {JUSTIFICATION_MIN} to "
            f"{JUSTIFICATION_MAX} characters"
        )
    alert = (
        MisuseAlert.objects.select_for_update()
        .filter(pk=alert_id, organisation_ura=actor.organisation_ura)
        .exclude(organisation_ura="")
        .first()
    )
    if alert is None:
        raise AlertNotFound(alert_id)
    if alert.reviewed:
        raise AlertClosed(alert_id, closed_by=alert_closed_by(alert))
    # After the lock: an escalation by the reviewer committed a moment ago counts.
    refused = alert_review_refusal(alert, actor.username)
    if refused:
        raise ReviewRefused(refused)
    event = events.alert_reviewed(
        actor=actor,
        alert_id=alert.pk,
        kind=alert.kind,
        step=step.value,
        justification=justification,
        username_under_review=alert.username,
    )
    review = AlertReview.objects.create(
        alert=alert,
        step=step,
        justification=justification,
        reviewed_at=now,
        reviewer_username=actor.username,
        reviewer_name=actor.name,
        organisation_ura=actor.organisation_ura,
        event_seq=event.seq,
    )
    if step == AlertReview.Step.ACKNOWLEDGED:
        alert.reviewed = True
        alert.save(update_fields=["reviewed"])
    return review
