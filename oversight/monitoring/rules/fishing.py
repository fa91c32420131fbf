"""Fishing: searches that found nobody, many of them, or for one BSN again and again."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from oversight.monitoring.registry import Finding, Kind, rule
from oversight.monitoring.rules.common import FAILED_SEARCHES, PATIENTS, SEARCH, busy_spans, minutes
from oversight.monitoring.window import Window


@rule(
    Kind.FISHING_SEARCHES,
    reads=frozenset({SEARCH}),
    lookback=minutes("MONITORING_FAILED_SEARCHES_MINUTES"),
    explanation=lambda: (
        _(
            "This user made %(limit)s or more searches that found nobody within %(minutes)s "
            "minutes: slower than the search throttle stops (%(throttle)s an hour), but it may "
            "be guessing at birth dates or BSNs."
        )
        % {
            "limit": settings.MONITORING_FAILED_SEARCHES,
            "minutes": settings.MONITORING_FAILED_SEARCHES_MINUTES,
            "throttle": settings.TRIAGE_FAILED_SEARCHES_PER_HOUR,
        }
    ),
)
def fishing_searches(window: Window) -> list[Finding]:
    limit, span = settings.MONITORING_FAILED_SEARCHES, settings.MONITORING_FAILED_SEARCHES_MINUTES
    sql = busy_spans(
        picked=FAILED_SEARCHES,
        partition=("username", "ura"),
        distinct="id",
        detail=(
            "jsonb_build_object('most_failed_searches', max(most), 'limit', %(limit)s, "
            "'minutes', %(minutes)s)"
        ),
    )
    return window.findings(
        sql, {"span": dt.timedelta(minutes=span), "limit": limit, "minutes": span}
    )


@rule(
    Kind.BSN_RETRIED,
    reads=frozenset({SEARCH}),
    lookback=minutes("MONITORING_BSN_RETRIES_MINUTES"),
    explanation=lambda: (
        _(
            "This user searched for one BSN %(limit)s or more times within %(minutes)s minutes "
            "without finding the patient, as if trying birth dates until one fits. (The ledger "
            "keeps the BSN of each search, not the birth date tried.)"
        )
        % {
            "limit": settings.MONITORING_BSN_RETRIES,
            "minutes": settings.MONITORING_BSN_RETRIES_MINUTES,
        }
    ),
)
def bsn_retried(window: Window) -> list[Finding]:
    """A search finds a patient by BSN and birth date together, and the ledger records the
    BSN and whether anybody was found: the same BSN failing again and again is a BSN tried
    with other birth dates (or the same wrong one)."""
    limit, span = settings.MONITORING_BSN_RETRIES, settings.MONITORING_BSN_RETRIES_MINUTES
    sql = busy_spans(
        picked=f"{FAILED_SEARCHES} AND bsn <> ''",
        partition=("username", "ura", "bsn"),
        distinct="id",
        detail=(
            f"jsonb_build_object('patients', {PATIENTS}, 'most_tries', max(most), "
            "'limit', %(limit)s, 'minutes', %(minutes)s)"
        ),
    )
    return window.findings(
        sql, {"span": dt.timedelta(minutes=span), "limit": limit, "minutes": span}
    )
