"""Reconciliation's reads for the supervisors' page: the uploads of their own organisation
only, and the period those uploads let reconciliation judge. One selector for the page
(contacts_page), which checks the role first (oversight.access.supervisor_actor)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min

from oversight.access import supervisor_actor
from oversight.models import ContactUpload
from oversight.reconciliation.parsing import COLUMNS
from portal.models import Membership

UPLOADS_SHOWN = 50


@dataclass(frozen=True)
class UploadRow:
    id: int
    uploaded_at: dt.datetime
    uploaded_by: str  # the name, else the username
    source: str  # the label: File, API
    filename: str
    rows: int
    added: int
    period_start: dt.datetime | None
    period_end: dt.datetime | None

    @property
    def known(self) -> int:
        """Contacts the organisation had registered before: not added again."""
        return self.rows - self.added


@dataclass(frozen=True)
class Coverage:
    """From the first to the last contact of all the organisation's uploads; `window` either
    side of a view counts as a match, so the views from `first` + window to `last` - window
    are judged (oversight.reconciliation.services.contacts_reconcile)."""

    first: dt.datetime
    last: dt.datetime
    window: dt.timedelta

    @property
    def judged_from(self) -> dt.datetime:
        return self.first + self.window

    @property
    def judged_until(self) -> dt.datetime:
        return self.last - self.window

    @property
    def judges_any(self) -> bool:
        return self.judged_from <= self.judged_until

    @property
    def window_hours(self) -> str:
        return f"{self.window.total_seconds() / 3600:g}"


@dataclass(frozen=True)
class ContactsPage:
    """Everything the contacts page shows: the upload just made (or None), the latest
    uploads, what they let reconciliation judge, the file's columns."""

    result: UploadRow | None
    uploads: list[UploadRow]
    coverage: Coverage | None
    columns: tuple[str, ...] = COLUMNS


def _row(upload: ContactUpload) -> UploadRow:
    return UploadRow(
        id=upload.pk,
        uploaded_at=upload.uploaded_at,
        uploaded_by=upload.uploaded_by_name or upload.uploaded_by,
        source=upload.get_source_display(),
        filename=upload.filename,
        rows=upload.rows,
        added=upload.added,
        period_start=upload.period_start,
        period_end=upload.period_end,
    )


def contacts_page(*, membership: Membership, upload_id: str | int | None = None) -> ContactsPage:
    """The page of the membership's organisation, for its supervisor only (PermissionDenied
    for any other role); `upload_id`: the upload whose result to show, if it is the
    organisation's own."""
    supervisor_actor(membership)
    return ContactsPage(
        result=_upload(membership, upload_id),
        uploads=_uploads(membership),
        coverage=_coverage(membership),
    )


def _uploads(membership: Membership, limit: int = UPLOADS_SHOWN) -> list[UploadRow]:
    """The organisation's latest uploads, newest first."""
    uploads = ContactUpload.objects.filter(organisation_id=membership.organisation_id).order_by(
        "-uploaded_at", "-id"
    )[:limit]
    return [_row(upload) for upload in uploads]


def _upload(membership: Membership, upload_id: str | int | None) -> UploadRow | None:
    """One upload of the organisation's own (the result after an upload), or None: an id
    of another organisation's upload is as unknown as one that does not exist."""
    try:
        pk = int(upload_id or 0)
    except (TypeError, ValueError):
        return None
    upload = ContactUpload.objects.filter(pk=pk, organisation_id=membership.organisation_id).first()
    return _row(upload) if upload is not None else None


def _coverage(membership: Membership) -> Coverage | None:
    covered = ContactUpload.objects.filter(organisation_id=membership.organisation_id).aggregate(
        first=Min("period_start"), last=Max("period_end")
    )
    if covered["first"] is None:
        return None
    return Coverage(covered["first"], covered["last"], settings.RECONCILIATION_WINDOW)
