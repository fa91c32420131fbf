"""The notifications to the GP practice (issue 15, item 4): who opened one of the practice's
patients' summaries by emergency access or under a policy, when and why, so the GP can
follow up with the patient. The monitoring scan makes them (oversight.monitoring.notify);
here the GP's pages read them and mark them read.

Only the GP's own practice's notifications (registry.selectors.practice_of): another
practice's is answered as if it did not exist, and the attempt is logged. Reading them is
reading who accessed a patient's data (NEN 7513): one ledger event per patient shown,
naming the notifications; marking one read changes it, and is logged too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import models, transaction
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from audit.services import access_events_batched
from portal.models import Membership, Role
from registry.models import GpNotification
from registry.selectors import birth_dates_held, practice_of
from registry.services import _gp_actor
from summaries.models import GpPractice, Summary

# Notifications per page of the list, unread first.
PER_PAGE = 50


@dataclass(frozen=True)
class NotificationRow:
    """One notification as the GP's pages show it: labels and plain words, not codes."""

    id: int
    occurred_at: dt.datetime
    patient_bsn: str
    patient_name: str  # from the summary; "" when there is none
    organisation: str
    user_name: str
    user_role: str  # the portal role, as its label
    why: str  # the reason in plain words, with the policy
    emergency: bool
    read_at: dt.datetime | None
    read_by: str
    event_seq: int


@dataclass(frozen=True)
class NotificationsPage:
    rows: list[NotificationRow]  # unread first, then newest first
    unread: int  # of the whole practice, not only this page
    page: Page


# --- Reads ------------------------------------------------------------------------------------


def _of_practice(practice: GpPractice | None) -> models.QuerySet[GpNotification]:
    if practice is None:
        return GpNotification.objects.none()
    return GpNotification.objects.filter(practice=practice)


def notifications_unread(*, membership: Membership) -> int:
    """How many of the practice's notifications nobody has marked read yet."""
    return _of_practice(practice_of(membership)).filter(read_at__isnull=True).count()


def why(reason: str, policy: str) -> str:
    """Why the summary was opened, in plain words for the GP, in the current language."""
    if reason == GpNotification.Reason.EMERGENCY_ACCESS:
        if policy:
            return _(
                "Emergency access: the patient could not give consent (under the policy %(policy)s)"
            ) % {"policy": policy}
        return _("Emergency access: the patient could not give consent")
    if policy:
        return _(
            "No choice registered; opened under the policy %(policy)s, with the patient's "
            "consent on the spot"
        ) % {"policy": policy}
    return _("No choice registered; opened under a policy, with the patient's consent on the spot")


def _rows(notifications: list[GpNotification]) -> list[NotificationRow]:
    bsns = {n.patient_bsn for n in notifications}
    names = dict(Summary.objects.filter(bsn__in=bsns).values_list("bsn", "sections__patient__name"))
    roles = {value: str(label) for value, label in Role.choices}
    return [
        NotificationRow(
            id=n.pk,
            occurred_at=n.occurred_at,
            patient_bsn=n.patient_bsn,
            patient_name=name if isinstance(name := names.get(n.patient_bsn), str) else "",
            organisation=n.organisation_name,
            user_name=n.user_name,
            user_role=roles.get(n.user_role, n.user_role),
            why=why(n.reason, n.consent_policy),
            emergency=n.reason == GpNotification.Reason.EMERGENCY_ACCESS,
            read_at=n.read_at,
            read_by=n.read_by,
            event_seq=n.event_seq,
        )
        for n in notifications
    ]


def notifications_page(*, membership: Membership, number: int | str | None) -> NotificationsPage:
    """A page of the practice's notifications: unread first, then newest first."""
    practice = practice_of(membership)
    unread = models.ExpressionWrapper(
        models.Q(read_at__isnull=True), output_field=models.BooleanField()
    )
    ordered = _of_practice(practice).order_by(unread.desc(), "-occurred_at", "-event_seq")
    page = Paginator(ordered, PER_PAGE).get_page(number)
    return NotificationsPage(
        rows=_rows(list(page.object_list)),
        unread=notifications_unread(membership=membership),
        page=page,
    )


def patient_notifications(*, practice: GpPractice, bsn: str) -> list[NotificationRow]:
    """The practice's notifications about one patient, newest first."""
    return _rows(list(_of_practice(practice).filter(patient_bsn=bsn).order_by("-occurred_at")))


# --- The GP's services: checked and logged ------------------------------------------------


def _log_read(actor: Actor, rows: list[NotificationRow]) -> None:
    """One event per patient shown, naming the notifications (their views' ledger events),
    written together: a page of fifty patients takes the ledger's lock once."""
    shown: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        shown[row.patient_bsn].append(row.event_seq)
    with access_events_batched(valid_bsns=shown):
        for bsn, seqs in shown.items():
            events.gp_notifications_read(actor=actor, patient_bsn=bsn, notifications=seqs)


@transaction.atomic
def registry_notifications_open(
    *, membership: Membership, number: int | str | None = None
) -> NotificationsPage:
    """The GP's list of their practice's notifications: read, then logged in the same
    transaction; nothing is returned if the events cannot be written."""
    actor = _gp_actor(membership)
    found = notifications_page(membership=membership, number=number)
    _log_read(actor, found.rows)
    return found


@transaction.atomic
def registry_patient_notifications_open(
    *, membership: Membership, practice: GpPractice, bsn: str
) -> list[NotificationRow]:
    """The notifications about one patient, for the GP's patient page (whose own event,
    registry_viewed, registry.services.registry_patient_open writes): read, then logged."""
    actor = _gp_actor(membership)
    rows = patient_notifications(practice=practice, bsn=bsn)
    _log_read(actor, rows)
    return rows


def _not_the_practices(actor: Actor, notification_id: int) -> None:
    """An attempt on a notification that is not the practice's — another practice's, or
    none — is answered as "not found", and logged: with the patient when it exists, as a
    search for another practice's patient is (possible misuse)."""
    elsewhere = GpNotification.objects.filter(pk=notification_id).values_list(
        "patient_bsn", flat=True
    )
    events.access_denied(
        actor=actor,
        reason=f"notification {notification_id} is not of the user's practice",
        patient_bsn=elsewhere.first() or "",
    )


def registry_notification_mark_read(
    *, membership: Membership, notification_id: int, now: dt.datetime
) -> GpNotification | None:
    """Mark one of the practice's notifications read (by whom, when) and log it; one read
    already stays as it was (the first reader is kept). None, logged as refused, for any
    other notification."""
    actor = _gp_actor(membership)
    with transaction.atomic():
        notification = (
            _of_practice(practice_of(membership))
            .select_for_update()
            .filter(pk=notification_id)
            .first()
        )
        if notification is not None and notification.read_at is None:
            notification.read_at = now
            notification.read_by = (actor.name or actor.username)[:150]
            notification.save(update_fields=["read_at", "read_by"])
            events.gp_notification_marked_read(
                actor=actor,
                patient_bsn=notification.patient_bsn,
                notification=notification.event_seq,
            )
    if notification is None:
        _not_the_practices(actor, notification_id)  # committed on its own
    return notification


@dataclass(frozen=True)
class NotifiedPatient:
    bsn: str
    birth_date: dt.date | None  # what the portal holds; None when it holds none, or several


def registry_notification_patient(
    *, membership: Membership, notification_id: int
) -> NotifiedPatient | None:
    """The patient a notification of the practice is about, to open their page (which
    checks that they are still the practice's patient, and logs the reading); None,
    logged as refused, for any other notification."""
    actor = _gp_actor(membership)
    bsn = (
        _of_practice(practice_of(membership))
        .filter(pk=notification_id)
        .values_list("patient_bsn", flat=True)
        .first()
    )
    if bsn is None:
        _not_the_practices(actor, notification_id)
        return None
    held = birth_dates_held(bsn)
    return NotifiedPatient(bsn=bsn, birth_date=next(iter(held)) if len(held) == 1 else None)
