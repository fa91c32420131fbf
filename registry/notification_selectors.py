"""What the GP's notification pages read (issue 15, item 4): the practice's notifications,
as rows in plain words. Reads only — no ledger events: the services that show them to a
GP (registry.notifications) check the GP and log the reading.

Every read is of the GP's own practice (registry.selectors.practice_of), taken from their
membership, never from the caller: another practice's notifications, and the names in its
patients' summaries, are not read at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import models
from django.utils.translation import gettext as _

from portal.models import Membership, Role
from registry.models import GpNotification
from registry.selectors import birth_dates_held, practice_of
from summaries.models import GpPractice, Summary

# Notifications per page of the list, unread first.
PER_PAGE = 50


@dataclass(frozen=True)
class NotificationRow:
    """One notification as the GP's pages show it: labels and plain words, not codes."""

    id: int
    occurred_at: dt.datetime
    patient_bsn: str
    patient_name: str  # from the practice's own summary; "" when it holds none
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


@dataclass(frozen=True)
class NotifiedPatient:
    bsn: str
    birth_date: dt.date | None  # what the portal holds; None when it holds none, or several


def _of_practice(practice: GpPractice | None) -> models.QuerySet[GpNotification]:
    if practice is None:
        return GpNotification.objects.none()
    return GpNotification.objects.filter(practice=practice)


def practice_notifications(*, membership: Membership) -> models.QuerySet[GpNotification]:
    """The GP's own practice's notifications; none for a membership that is no practice."""
    return _of_practice(practice_of(membership))


def notifications_unread(*, membership: Membership) -> int:
    """How many of the practice's notifications nobody has marked read yet."""
    return practice_notifications(membership=membership).filter(read_at__isnull=True).count()


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


def _rows(
    practice: GpPractice | None, notifications: list[GpNotification]
) -> list[NotificationRow]:
    bsns = {n.patient_bsn for n in notifications}
    # The name only from the practice's own summary: a patient who moved on has the new
    # practice's summary, which is not the old practice's to read.
    names = dict(
        Summary.objects.filter(bsn__in=bsns, practice=practice).values_list(
            "bsn", "sections__patient__name"
        )
    )
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
        rows=_rows(practice, list(page.object_list)),
        unread=notifications_unread(membership=membership),
        page=page,
    )


def patient_notifications(*, membership: Membership, bsn: str) -> list[NotificationRow]:
    """The practice's notifications about one patient, newest first."""
    return practice_patient_notifications(practice=practice_of(membership), bsn=bsn)


def practice_patient_notifications(
    *, practice: GpPractice | None, bsn: str
) -> list[NotificationRow]:
    """The same, for a practice the caller has already found from the GP's membership (the
    patient page's service has, in the read of the patient)."""
    found = _of_practice(practice).filter(patient_bsn=bsn).order_by("-occurred_at")
    return _rows(practice, list(found))


def notified_patient(*, membership: Membership, notification_id: int) -> NotifiedPatient | None:
    """The patient one of the practice's notifications is about, with the birth date the
    portal holds for them; None for any other notification."""
    bsn = (
        practice_notifications(membership=membership)
        .filter(pk=notification_id)
        .values_list("patient_bsn", flat=True)
        .first()
    )
    if bsn is None:
        return None
    held = birth_dates_held(bsn)
    return NotifiedPatient(bsn=bsn, birth_date=next(iter(held)) if len(held) == 1 else None)
