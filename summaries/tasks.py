"""Celery tasks of the pipeline: thin, idempotent, one per practice."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from summaries.clients import PracticeUnreachable
from summaries.models import GpPractice
from summaries.services.pull import PracticeBusy, PullFailed, practice_pull

logger = logging.getLogger(__name__)


@shared_task(
    name="summaries.pull_practice",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(PracticeUnreachable,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=6,
)
def pull_practice_task(practice_id: int, full: bool = False) -> dict:
    """Pull one practice. Safe to run twice: unchanged summaries are not rewritten."""
    practice = GpPractice.objects.get(pk=practice_id)
    try:
        counts = practice_pull(practice=practice, full=full)
    except PracticeBusy:
        return {"skipped": "busy"}
    except PullFailed as exc:
        # Bad data or a refused token: retrying now won't help; the health
        # page shows it and the next scheduled pull tries again.
        return {"failed": str(exc)}
    return {
        "imported": counts.imported,
        "unchanged": counts.unchanged,
        "quarantined": counts.quarantined,
        "already_quarantined": counts.already_quarantined,
        "not_kept": counts.not_kept,
        "pages": counts.pages,
    }


@shared_task(name="summaries.pull_due_practices")
def pull_due_practices_task() -> int:
    """Beat, every minute: one pull task per practice that is due; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            GpPractice.objects.select_for_update(skip_locked=True)
            .filter(is_active=True)
            .filter(Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now))
            .only("pk", "pull_interval_minutes")
        )
        for practice in due:
            practice.next_pull_at = now + dt.timedelta(minutes=practice.pull_interval_minutes)
        GpPractice.objects.bulk_update(due, ["next_pull_at"])
        for practice in due:
            transaction.on_commit(lambda pk=practice.pk: pull_practice_task.delay(pk))
    return len(due)
