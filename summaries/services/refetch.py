"""Fetching a patient's summary again after a choice lets it be kept.

An incremental pull asks a practice for what changed since its watermark. A patient whose
summary was purged by a refusal and who then consents (or withdraws the refusal) has not
changed at the practice, so no incremental pull would bring the summary back. The registry
marks such patients (refetch_request); the practice's next pull asks for each of them by BSN
(summaries.services.pull) and clears the mark.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from summaries.models import Enrolment, GpPractice, Summary


def refetch_request(bsns: list[str]) -> int:
    """Mark these patients' summaries to be fetched again at their practice's next pull,
    where none is stored now. Returns how many were marked (unknown patients are not)."""
    if not bsns:
        return 0
    return (
        Enrolment.objects.filter(bsn__any_of=bsns)
        .exclude(Exists(Summary.objects.filter(bsn=OuterRef("bsn"))))
        .update(refetch_requested_at=timezone.now())
    )


def refetch_pending(practice: GpPractice, *, limit: int) -> list[tuple[str, dt.datetime]]:
    """The practice's patients to fetch again, oldest request first, with when each was
    requested (refetch_done clears only that request, not a newer one)."""
    return list(
        Enrolment.objects.filter(practice=practice, refetch_requested_at__isnull=False)
        .order_by("refetch_requested_at")
        .values_list("bsn", "refetch_requested_at")[:limit]
    )


def refetch_done(practice: GpPractice, *, bsn: str, requested_at: dt.datetime) -> None:
    """Clear the request once the patient was fetched (stored, unchanged, not kept, or not
    at the practice any more): asked again only if a new choice asks again."""
    Enrolment.objects.filter(
        practice=practice, bsn=bsn, refetch_requested_at__lte=requested_at
    ).update(refetch_requested_at=None)
