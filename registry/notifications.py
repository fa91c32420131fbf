"""The notifications to the GP practice (issue 15, item 4): who opened one of the practice's
patients' summaries by emergency access or under a policy, when and why, so the GP can
follow up with the patient. The monitoring scan makes them (oversight.monitoring.notify);
here the GP's services show them and mark them read; what they read is in
registry.notification_selectors.

Only the GP's own practice's notifications (registry.selectors.practice_of, from the GP's
membership): another practice's is answered as if it did not exist, and the attempt is
logged. Reading them is reading who accessed a patient's data (NEN 7513): one ledger event
per patient shown, naming the notifications; marking one read changes it, and is logged too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import access_events_batched
from portal.models import Membership
from registry.models import GpNotification
from registry.notification_rows import NotificationRow
from registry.notification_selectors import (
    NotificationsPage,
    NotifiedPatient,
    notifications_page,
    notified_patient,
    practice_notifications,
)
from registry.selectors import PatientRegistry
from registry.services import gp_actor, registry_patient_open


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
    actor = gp_actor(membership)
    found = notifications_page(membership=membership, number=number)
    _log_read(actor, found.rows)
    return found


@dataclass(frozen=True)
class PatientPage:
    """What the GP's patient page shows: the patient's choices, history and consultations,
    and the practice's notifications about them."""

    registry: PatientRegistry
    notifications: list[NotificationRow]


@transaction.atomic
def registry_patient_page_open(
    *, membership: Membership, bsn: str, birth_date: dt.date
) -> PatientPage:
    """The GP's patient page in one transaction: registry_patient_open (the patient found
    among the membership's own practice's, with that practice's notifications about them,
    in one read; registry_viewed logged) and the notifications' reading logged too.
    Nothing is returned if an event cannot be written."""
    registry = registry_patient_open(membership=membership, bsn=bsn, birth_date=birth_date)
    _log_read(gp_actor(membership), registry.notifications)
    return PatientPage(registry=registry, notifications=registry.notifications)


def _not_the_practices(actor: Actor, notification_id: int) -> None:
    """An attempt on a notification that is not the practice's — another practice's, or
    none — is answered as "not found", and logged: with the patient when it exists, as a
    search for another practice's patient is (possible misuse). Only the GP's own POSTs
    (CSRF-checked) come here, so the event cannot be set off by a link from elsewhere."""
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
    actor = gp_actor(membership)
    with transaction.atomic():
        notification = (
            practice_notifications(membership=membership)
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


def registry_notification_patient(
    *, membership: Membership, notification_id: int
) -> NotifiedPatient | None:
    """The patient a notification of the practice is about, to open their page (which
    checks that they are still the practice's patient, and logs the reading); None,
    logged as refused, for any other notification."""
    actor = gp_actor(membership)
    patient = notified_patient(membership=membership, notification_id=notification_id)
    if patient is None:
        _not_the_practices(actor, notification_id)
    return patient
