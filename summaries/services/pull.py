"""Pulling a practice: page by page, incremental, idempotent, never blocking the others."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from summaries.clients import (
    PageTooLarge,
    PracticeClient,
    PracticeRefused,
    PracticeUnreachable,
    first_page_url,
    patient_url,
)
from summaries.fhir import parse_page
from summaries.fhir.model import Limits
from summaries.fhir.page import PageError
from summaries.models import GpPractice
from summaries.services.quarantine import quarantine_add, quarantine_page
from summaries.services.refetch import refetch_done, refetch_pending
from summaries.services.store import summaries_store
from summaries.storable import storable_text
from summaries.tokens import TokenUnreadable

logger = logging.getLogger(__name__)


class PracticeBusy(Exception):  # noqa: N818
    """Another pull holds this practice's lease."""


class PullFailed(Exception):  # noqa: N818
    """The pull stopped; what was stored stays, the watermark did not move."""


@dataclass
class PullCounts:
    imported: int = 0
    unchanged: int = 0
    quarantined: int = 0  # newly quarantined (items or a page)
    failed: int = 0
    pages: int = 0
    not_kept: int = 0  # a refusal is registered for the patient: not stored
    refetched: int = 0  # patients asked for again by BSN after a choice (refetch_request)
    already_quarantined: int = 0  # bad input met again, open in the quarantine already

    def add(self, other: PullCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def line(self) -> str:
        line = (
            f"imported {self.imported}, unchanged {self.unchanged}, "
            f"quarantined {self.quarantined}, failed {self.failed}"
        )
        if self.already_quarantined:
            line += f", already quarantined {self.already_quarantined}"
        if self.not_kept:
            line += f", not kept (refusal registered) {self.not_kept}"
        if self.refetched:
            line += f", fetched again after a choice {self.refetched}"
        return line


def limits_from_settings() -> Limits:
    return Limits(
        max_page_bytes=settings.SUMMARY_MAX_PAGE_BYTES,
        max_summary_bytes=settings.SUMMARY_MAX_SUMMARY_BYTES,
        max_depth=settings.SUMMARY_MAX_DEPTH,
        window_days=settings.SUMMARY_WINDOW_DAYS,
    )


def _claim(practice: GpPractice, now: dt.datetime) -> bool:
    """Take the practice's lease unless a live pull holds it (a dead one's expires)."""
    until = now + dt.timedelta(seconds=settings.SUMMARY_PULL_LEASE_SECONDS)
    return bool(
        GpPractice.objects.filter(pk=practice.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=until, last_pull_started_at=now)
    )


def _renew(practice: GpPractice) -> None:
    until = timezone.now() + dt.timedelta(seconds=settings.SUMMARY_PULL_LEASE_SECONDS)
    GpPractice.objects.filter(pk=practice.pk).update(lease_until=until)


def _finish(practice: GpPractice, *, counts: PullCounts, watermark, error: str = "") -> None:
    now = timezone.now()
    fields = {"lease_until": None, "last_counts": asdict(counts)}
    if error:
        fields.update(
            last_error_at=now,
            last_error=storable_text(error)[:2000],
            consecutive_failures=F("consecutive_failures") + 1,
        )
    else:
        fields.update(last_success_at=now, consecutive_failures=0, watermark=watermark)
    GpPractice.objects.filter(pk=practice.pk).update(**fields)


def _fetch_and_parse(client, url, practice, fetched_at, limits, counts):
    """A page that does not parse is fetched again: a cut-off body is usually the
    network's doing. If it stays unreadable it is quarantined and the pull stops."""
    for attempt in range(settings.SUMMARY_FETCH_RETRIES + 1):
        try:
            page = client.fetch(url)
        except PageTooLarge as exc:
            # Not fetched again: its size is the sender's doing, not the network's.
            added = quarantine_page(
                practice=practice, url=exc.url, body=exc.head, reason=str(exc), size=exc.size
            )
            counts.quarantined += added.new
            counts.already_quarantined += added.already
            raise PullFailed(f"page {counts.pages + 1}: {exc}") from exc
        try:
            return parse_page(page.body, now=fetched_at, limits=limits)
        except PageError as exc:
            error = exc
            logger.warning(
                "unreadable page",
                extra={"agb": practice.agb, "attempt": attempt + 1, "error": str(exc)[:200]},
            )
    added = quarantine_page(practice=practice, url=page.url, body=page.body, reason=str(error))
    counts.quarantined += added.new
    counts.already_quarantined += added.already
    raise PullFailed(f"page {counts.pages + 1}: {error}") from error


def _pull_page(client, url, practice, limits, counts, progress):
    """Fetch, parse and store one page in its own transaction; returns the parsed page."""
    fetched_at = timezone.now()
    result = _fetch_and_parse(client, url, practice, fetched_at, limits, counts)
    with transaction.atomic():
        stored = summaries_store(practice=practice, items=result.summaries, fetched_at=fetched_at)
        added = quarantine_add(practice=practice, items=result.quarantine)
    counts.quarantined += added.new
    counts.already_quarantined += added.already
    counts.not_kept += added.not_kept
    counts.imported += stored.imported
    counts.unchanged += stored.unchanged
    counts.not_kept += stored.not_kept
    counts.pages += 1
    if progress:
        progress(counts, result.total)
    _renew(practice)
    return result


def practice_pull(
    *,
    practice: GpPractice,
    full: bool = False,
    progress: Callable[[PullCounts, int | None], None] | None = None,
    counts: PullCounts | None = None,
) -> PullCounts:
    """Fetch what changed at the practice since its watermark (everything with full=True).

    Each page is parsed and stored in its own transaction, so a killed pull
    keeps what it stored and a re-run converges on the same rows. The
    watermark moves only when the last page is in. Raises PracticeBusy,
    PracticeUnreachable (worth a retry later) or PullFailed; in the last two
    cases the practice's health records the error. `counts`, when given, is filled in as
    the pull goes, so a caller has the true counts of a pull that failed half-way too.
    """
    started = timezone.now()
    if not _claim(practice, started):
        raise PracticeBusy(f"{practice} is being pulled already")
    since = None if full or practice.watermark is None else practice.watermark
    url = first_page_url(
        practice.fhir_base_url,
        since_iso=since.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if since else None,
        count=settings.SUMMARY_PAGE_SIZE,
    )
    counts = PullCounts() if counts is None else counts
    snapshot, limits = None, limits_from_settings()
    try:
        with PracticeClient(token=practice.token) as client:
            while url:
                result = _pull_page(client, url, practice, limits, counts, progress)
                snapshot = snapshot or result.snapshot or started
                url = result.next_url
            # Patients a choice lets keep their summary again (registry: consent or a
            # withdrawal after a refusal): unchanged at the practice, so asked for by BSN.
            pending = refetch_pending(practice, limit=settings.SUMMARY_REFETCH_PER_PULL)
            for bsn, requested_at in pending:
                url = patient_url(practice.fhir_base_url, bsn=bsn)
                while url:  # one page; its total (1) is not the pull's: no progress
                    url = _pull_page(client, url, practice, limits, counts, None).next_url
                refetch_done(practice, bsn=bsn, requested_at=requested_at)
                counts.refetched += 1
    except (PracticeUnreachable, PracticeRefused, TokenUnreadable, PullFailed) as exc:
        counts.failed += 1
        _finish(practice, counts=counts, watermark=None, error=f"{type(exc).__name__}: {exc}")
        logger.warning("practice pull failed", extra={"agb": practice.agb, "error": str(exc)})
        if isinstance(exc, PracticeRefused | TokenUnreadable):
            # Retrying won't help: the practice refuses us, or we cannot read our token.
            raise PullFailed(str(exc)) from exc
        raise
    except BaseException:
        # Anything unforeseen: give the lease back, keep the health honest.
        _finish(practice, counts=counts, watermark=None, error="unexpected error (see logs)")
        raise
    _finish(practice, counts=counts, watermark=snapshot)
    logger.info("practice pulled", extra={"agb": practice.agb, **asdict(counts)})
    return counts
