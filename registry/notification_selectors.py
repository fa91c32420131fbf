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

from portal.models import Membership
from registry.models import GpNotification
from registry.notification_rows import NOTIFICATION_FIELDS, NotificationRow, notification_rows
from registry.selectors import birth_dates_held, practice_of
from summaries.models import GpPractice, Summary

# Notifications per page of the list, unread first.
PER_PAGE = 50


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


def _rows(practice: GpPractice | None, notifications: list[tuple]) -> list[NotificationRow]:
    bsns = {values[NOTIFICATION_FIELDS.index("patient_bsn")] for values in notifications}
    # The name only from the practice's own summary: a patient who moved on has the new
    # practice's summary, which is not the old practice's to read.
    names = {
        bsn: name
        for bsn, name in Summary.objects.filter(bsn__in=bsns, practice=practice).values_list(
            "bsn", "sections__patient__name"
        )
        if isinstance(name, str)
    }
    return notification_rows(notifications, names)


def notifications_page(*, membership: Membership, number: int | str | None) -> NotificationsPage:
    """A page of the practice's notifications: unread first, then newest first."""
    practice = practice_of(membership)
    unread = models.ExpressionWrapper(
        models.Q(read_at__isnull=True), output_field=models.BooleanField()
    )
    ordered = (
        _of_practice(practice)
        .order_by(unread.desc(), "-occurred_at", "-event_seq")
        .values_list(*NOTIFICATION_FIELDS)
    )
    page = Paginator(ordered, PER_PAGE).get_page(number)
    return NotificationsPage(
        rows=_rows(practice, list(page.object_list)),
        unread=notifications_unread(membership=membership),
        page=page,
    )


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
