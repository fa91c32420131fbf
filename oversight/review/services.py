"""The supervisors' review of misuse alerts: reading them (each page a ledger event) and
acknowledging or escalating one (a ledger event and an AlertReview row, in one
transaction). Only the alerts of the supervisor's own organisation."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.models import MisuseAlert
from oversight.models import AlertReview
from oversight.review.selectors import (
    AlertDetail,
    AlertList,
    alert_closed_by,
    alert_detail,
    alert_list,
)
from portal.access import Permission, membership_allows
from portal.models import Membership


class AlertNotFound(Exception):
    """No alert of the membership's organisation has this id: the page answers 404 and says
    nothing more (another organisation's alert and an unknown id look the same)."""


class AlertClosed(Exception):
    """The alert was acknowledged already (perhaps by a colleague a moment ago): a closed
    alert stays as it is; a new hit opens a new one. `closed_by`: who acknowledged it."""

    def __init__(self, alert_id: int, closed_by: str = ""):
        super().__init__(alert_id)
        self.closed_by = closed_by


def _supervisor_actor(membership: Membership) -> Actor:
    if not membership_allows(membership, Permission.VIEW_AUDIT):
        raise PermissionDenied(f"role {membership.role} may not read alerts")
    return Actor.for_membership(membership)


@transaction.atomic
def alert_list_open(
    *, membership: Membership, state: str = "", kind: str = "", username: str = "", page: int = 1
) -> AlertList:
    """The list page: read, then logged (ADMIN_READ) in the same transaction; nothing is
    returned if the event cannot be written."""
    actor = _supervisor_actor(membership)
    alerts = alert_list(membership=membership, state=state, kind=kind, username=username, page=page)
    asked = {"state": state, "kind": kind, "user": username}
    filters = {name: value for name, value in asked.items() if value}
    if alerts.page > 1:
        filters["page"] = str(alerts.page)
    events.alerts_read(actor=actor, page="alerts", filters=filters, shown=len(alerts.rows))
    return alerts


@transaction.atomic
def alert_open(*, membership: Membership, alert_id: int) -> AlertDetail:
    """One alert's page: read, then logged (ADMIN_READ, with the patients' BSNs it shows)
    in the same transaction. AlertNotFound for any alert not the organisation's; the
    caller logs that refusal (portal.access.deny) outside this transaction."""
    actor = _supervisor_actor(membership)
    detail = alert_detail(membership=membership, alert_id=alert_id)
    if detail is None:
        raise AlertNotFound(alert_id)
    events.alerts_read(
        actor=actor,
        page="alert",
        alert_id=alert_id,
        shown=len(detail.events),
        patients=detail.patients,
    )
    return detail


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

    AlertNotFound for an alert not the organisation's; AlertClosed for a closed one.
    Nothing is written in either case."""
    actor = _supervisor_actor(membership)
    step = AlertReview.Step(step)
    justification = justification.strip()
    if len(justification) < 10:  # the form says so first; this holds for every caller
        raise ValueError("a review needs a justification of at least 10 characters")
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
