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
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from audit import context as request_context
from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, EventType, MisuseAlert, Outcome
from oversight.access import supervisor_actor
from oversight.models import ContactRegistration, ContactUpload
from oversight.reconciliation.parsing import Contact, contacts_from_csv
from portal.models import Membership, Organisation

logger = logging.getLogger(__name__)

# Numbers of their own for reconciliation's advisory locks (pg_advisory_xact_lock(key, org)):
# one run per organisation at a time, and one upload.
_LOCK_KEY = 15_002
_UPLOAD_LOCK_KEY = 15_003
# Only the organisations whose staff view summaries have contacts to reconcile.
UPLOADING_KINDS = frozenset({Organisation.Kind.HAP, Organisation.Kind.SEH})
# The patients an alert's detail names at most (as the monitoring rules do).
_PATIENTS_IN_DETAIL = 20


@dataclass(frozen=True)
class Uploaded:
    """What an upload did: `upload` holds its contacts. `loaded_before`: the same content
    (SHA-256) had been loaded before, as `upload`, and nothing was loaded now."""

    upload: ContactUpload
    loaded_before: bool = False


def contacts_file_upload(*, membership: Membership, filename: str, data: bytes) -> Uploaded:
    """A supervisor's file (CSV, docs/reconciliation.md) for their own organisation: the role
    checked first (PermissionDenied for any other), then parsed (InvalidContacts naming each
    bad row and column: nothing is loaded), then loaded."""
    actor = supervisor_actor(membership)
    contacts = contacts_from_csv(data, now=request_context.current().started_at)
    return contacts_upload(
        organisation=membership.organisation,
        contacts=contacts,
        source=ContactUpload.Source.FILE,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        actor=actor,
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
) -> Uploaded:
    """Load the contacts as one upload, in one transaction with its ledger event
    (CONTACTS_UPLOADED): all of them or, if anything fails, none. The one way in for a
    supervisor's file (contacts_file_upload checks the role) and an organisation's API call
    (its key is checked by oversight.reconciliation.api.auth); only a HAP or SEH loads.

    Content loaded before (the same SHA-256 for the organisation: a file uploaded again, a
    call retried) loads nothing: no upload, no ledger event, no reconciliation run; the
    answer is the earlier upload (`loaded_before`). Otherwise idempotent per contact: one
    the organisation registered before (the same BSN, time and location) is not added again
    (ON CONFLICT DO NOTHING on the unique constraint), and `added` counts only the new ones.
    Two uploads of one organisation at once: the second waits for the first's commit (an
    advisory lock). After the commit, reconciliation runs over the period the upload covers
    (a task)."""
    if organisation.kind not in UPLOADING_KINDS:
        raise PermissionDenied(f"a {organisation.kind} has no contacts to reconcile")
    if not contacts:
        raise ValueError("an upload holds at least one contact")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_UPLOAD_LOCK_KEY, organisation.pk]
            )
    earlier = (
        ContactUpload.objects.filter(organisation=organisation, sha256=sha256)
        .order_by("uploaded_at", "id")
        .first()
    )
    if earlier is not None:
        # Nothing is written, so the ledger gets no event (docs/reconciliation.md): the
        # earlier upload's event records this content, with its SHA-256, once.
        logger.info(
            "contacts upload (%s) for organisation %s: the content of upload %s, nothing loaded",
            source,
            organisation.pk,
            earlier.pk,
        )
        return Uploaded(earlier, loaded_before=True)
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
    return Uploaded(upload)


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
    the first time when it extends what the uploads cover — those that waited within a
    window of the earlier uploads' last (or first) contact, and any between (see
    contacts_reconcile for what is judgeable)."""
    upload = ContactUpload.objects.select_related("organisation").get(pk=upload_id)
    window = settings.RECONCILIATION_WINDOW
    since, until = upload.period_start - window, upload.period_end + window
    others = (
        ContactUpload.objects.filter(organisation_id=upload.organisation_id)
        .exclude(pk=upload.pk)
        .aggregate(first=Min("period_start"), last=Max("period_end"))
    )
    if others["last"] is not None and others["last"] - window < since:
        since = others["last"] - window
    if others["first"] is not None and others["first"] + window > until:
        until = others["first"] + window
    return contacts_reconcile(organisation=upload.organisation, since=since, until=until)


@transaction.atomic
def contacts_reconcile(
    *, organisation: Organisation, since: dt.datetime, until: dt.datetime
) -> Reconciled:
    """Raise a NO_MATCHING_CONTACT alert for each user of the organisation with summary
    views between `since` and `until` that no contact of the organisation accounts for:
    none for the same patient (BSN) within RECONCILIATION_WINDOW before or after the view.

    Only views the uploads can judge: those whose whole window lies within the period from
    the first to the last contact the organisation ever uploaded, i.e. from the first
    contact plus the window to the last contact minus the window. A view closer than the
    window to the newest contact may yet be matched by a contact in the next upload (a view
    at 23:30, its contact at 00:10 in the next day's file); judged now, it would be a false
    alert that no later upload withdraws.

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
    window = settings.RECONCILIATION_WINDOW
    since = max(since, covered["first"] + window)
    until = min(until, covered["last"] - window)
    if since > until:
        return Reconciled(None, None, 0)
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
