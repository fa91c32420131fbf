"""Reconciliation's writes: load an organisation's contact registrations, all or nothing and
once per contact, and turn the summary views its registration does not account for into
misuse alerts (docs/reconciliation.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from audit import context as request_context
from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, EventType, MisuseAlert, Outcome
from oversight.models import ContactRegistration, ContactUpload
from oversight.reconciliation.parsing import Contact, contacts_from_csv
from portal.models import Membership, Organisation

logger = logging.getLogger(__name__)

# A number of its own for reconciliation's advisory lock (pg_advisory_xact_lock(key, org)).
_LOCK_KEY = 15_002
# The patients an alert's detail names at most (as the monitoring rules do).
_PATIENTS_IN_DETAIL = 20


def contacts_file_upload(*, membership: Membership, filename: str, data: bytes) -> ContactUpload:
    """A supervisor's file (CSV, docs/reconciliation.md) for their own organisation: parsed
    (InvalidContacts naming each bad row and column: nothing is loaded), then loaded."""
    contacts = contacts_from_csv(data, now=request_context.current().started_at)
    return contacts_upload(
        organisation=membership.organisation,
        contacts=contacts,
        source=ContactUpload.Source.FILE,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        actor=Actor.for_membership(membership),
    )


@transaction.atomic
def contacts_upload(
    *,
    organisation: Organisation,
    contacts: list[Contact],
    source: ContactUpload.Source,
    filename: str,
    sha256: str,
    actor: Actor,
) -> ContactUpload:
    """Load the contacts as one upload, in one transaction with its ledger event
    (CONTACTS_UPLOADED): all of them or, if anything fails, none.

    Idempotent: a contact the organisation registered before (the same BSN, time and
    location) is not added again (ON CONFLICT DO NOTHING on the unique constraint), and
    `added` counts only the new ones; a file uploaded twice adds nothing the second time.
    Two uploads at once: the second waits at the unique index for the first's commit.
    After the commit, reconciliation runs over the period the upload covers (a task)."""
    if not contacts:
        raise ValueError("an upload holds at least one contact")
    first = min(contact.contact_at for contact in contacts)
    last = max(contact.contact_at for contact in contacts)
    upload = ContactUpload.objects.create(
        organisation=organisation,
        source=source,
        filename=filename[:255],
        sha256=sha256,
        uploaded_at=timezone.now(),
        uploaded_by=actor.username[:150],
        uploaded_by_name=actor.name[:200],
        rows=len(contacts),
        added=0,
        period_start=first,
        period_end=last,
    )
    ContactRegistration.objects.bulk_create(
        [
            ContactRegistration(
                organisation=organisation,
                patient_bsn=contact.bsn,
                contact_at=contact.contact_at,
                location=contact.location,
                upload=upload,
            )
            for contact in contacts
        ],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    # What this upload added: the rows that carry its id (a known contact keeps its first).
    upload.added = ContactRegistration.objects.filter(upload=upload).count()
    upload.save(update_fields=["added"])
    # Last, just before the commit: the ledger's lock is held as briefly as possible.
    events.contacts_uploaded(
        actor=actor,
        upload_id=upload.pk,
        source=str(source),
        filename=upload.filename,
        sha256=sha256,
        rows=upload.rows,
        added=upload.added,
        period_start=first.isoformat(),
        period_end=last.isoformat(),
    )
    transaction.on_commit(lambda: _reconcile_later(upload.pk))
    return upload


def _reconcile_later(upload_id: int) -> None:
    from oversight.tasks import contacts_reconcile_task  # the task imports this module

    contacts_reconcile_task.delay(upload_id)


@dataclass(frozen=True)
class Reconciled:
    """What a run judged: the views between `since` and `until` (None: nothing could be
    judged), and the alerts it raised or added to."""

    since: dt.datetime | None
    until: dt.datetime | None
    alerts: int

    def as_dict(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "alerts": self.alerts,
        }


def contacts_reconcile_upload(*, upload_id: int) -> Reconciled:
    """Reconciliation after an upload: the views whose window (RECONCILIATION_WINDOW either
    side) reaches into the upload's period, and the views the upload makes judgeable for
    the first time — those between the earlier uploads' last (or first) contact and this
    upload's period, when it extends what the uploads cover."""
    upload = ContactUpload.objects.select_related("organisation").get(pk=upload_id)
    window = settings.RECONCILIATION_WINDOW
    since, until = upload.period_start - window, upload.period_end + window
    others = (
        ContactUpload.objects.filter(organisation_id=upload.organisation_id)
        .exclude(pk=upload.pk)
        .aggregate(first=Min("period_start"), last=Max("period_end"))
    )
    if others["last"] is not None and others["last"] < since:
        since = others["last"]
    if others["first"] is not None and others["first"] > until:
        until = others["first"]
    return contacts_reconcile(organisation=upload.organisation, since=since, until=until)


@transaction.atomic
def contacts_reconcile(
    *, organisation: Organisation, since: dt.datetime, until: dt.datetime
) -> Reconciled:
    """Raise a NO_MATCHING_CONTACT alert for each user of the organisation with summary
    views between `since` and `until` that no contact of the organisation accounts for:
    none for the same patient (BSN) within RECONCILIATION_WINDOW before or after the view.

    Only views the uploads can judge: from the first to the last contact the organisation
    ever uploaded. A view after its newest contact may yet be matched by the next upload.

    One statement finds the views (NOT EXISTS over the contacts' unique index), grouped
    per user; each user's views go to audit.alerts.misuse_alert_raise, which links each
    event once: running this twice raises nothing twice. One run per organisation at a
    time (an advisory lock), so two runs cannot link the same event at once."""
    if connection.vendor != "postgresql":
        logger.warning("reconciliation skipped: it needs PostgreSQL")
        return Reconciled(None, None, 0)
    if not organisation.ura:
        # The ledger names an organisation's views by its URA; without one there is
        # nothing to judge (docs/reconciliation.md).
        logger.warning("reconciliation skipped: organisation %s has no URA", organisation.pk)
        return Reconciled(None, None, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, organisation.pk])
    covered = ContactUpload.objects.filter(organisation=organisation).aggregate(
        first=Min("period_start"), last=Max("period_end")
    )
    if covered["first"] is None:
        return Reconciled(None, None, 0)
    since, until = max(since, covered["first"]), min(until, covered["last"])
    if since > until:
        return Reconciled(None, None, 0)
    window = settings.RECONCILIATION_WINDOW
    matching_contact = ContactRegistration.objects.filter(
        organisation=organisation,
        patient_bsn=OuterRef("patient_bsn"),
        contact_at__gte=OuterRef("occurred_at") - window,
        contact_at__lte=OuterRef("occurred_at") + window,
    )
    per_user = (
        AccessEvent.objects.filter(
            event_type=EventType.SUMMARY_VIEW,
            outcome=Outcome.SUCCESS,
            organisation_ura=organisation.ura,
            occurred_at__gte=since,
            occurred_at__lte=until,
        )
        .exclude(user_username="")
        .exclude(patient_bsn="")
        .filter(~Exists(matching_contact))
        .values("user_username")
        .annotate(
            user_name=Max("user_name"),
            event_ids=ArrayAgg("id", order_by="seq"),
            patients=ArrayAgg("patient_bsn", distinct=True, order_by="patient_bsn"),
            first_at=Min("occurred_at"),
            last_at=Max("occurred_at"),
        )
        .order_by("user_username")
    )
    raised = 0
    for row in per_user:
        alert = misuse_alert_raise(
            kind=MisuseAlert.Kind.NO_MATCHING_CONTACT,
            actor=Actor(
                username=row["user_username"],
                name=row["user_name"],
                organisation_ura=organisation.ura,
                organisation_name=organisation.name,
            ),
            detail={
                "views": len(row["event_ids"]),
                "patients": row["patients"][:_PATIENTS_IN_DETAIL],
                "window_minutes": int(window.total_seconds() // 60),
                "judged_from": since.isoformat(),
                "judged_until": until.isoformat(),
            },
            now=row["last_at"],
            first_seen_at=row["first_at"],
            event_ids=row["event_ids"],
        )
        if alert is not None:
            raised += 1
    return Reconciled(since, until, raised)
