"""Volume: many patients for one user, many users for one patient."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from oversight.monitoring.registry import Finding, Kind, rule
from oversight.monitoring.rules.common import PATIENTS, VIEW, VIEWS, busy_spans, minutes
from oversight.monitoring.window import Window


@rule(
    Kind.VIEW_VOLUME,
    reads=frozenset({VIEW}),
    lookback=lambda: dt.timedelta(hours=1),
    explanation=lambda: (
        _(
            "This user opened the summaries of %(limit)s or more different patients within an "
            "hour. Triage rarely needs that many; the search throttle stops a user at "
            "%(throttle)s patients an hour."
        )
        % {
            "limit": settings.MONITORING_PATIENTS_PER_HOUR,
            "throttle": settings.TRIAGE_PATIENTS_PER_HOUR,
        }
    ),
)
def view_volume(window: Window) -> list[Finding]:
    """Distinct patients whose summary one user viewed in any 60 minutes."""
    sql = busy_spans(
        picked=f"{VIEWS} AND bsn <> ''",
        partition=("username", "ura"),
        distinct="bsn",
        detail="jsonb_build_object('most_patients_in_an_hour', max(most), 'limit', %(limit)s)",
    )
    return window.findings(
        sql, {"span": dt.timedelta(hours=1), "limit": settings.MONITORING_PATIENTS_PER_HOUR}
    )


@rule(
    Kind.PATIENT_MANY_USERS,
    reads=frozenset({VIEW}),
    lookback=minutes("MONITORING_PATIENT_USERS_MINUTES"),
    explanation=lambda: (
        _(
            "%(limit)s or more users of the organisation viewed one patient's summary within "
            "%(minutes)s minutes: more than treating one patient usually takes, as when a "
            "well-known person is brought in. Each user's alert holds their own views."
        )
        % {
            "limit": settings.MONITORING_PATIENT_USERS,
            "minutes": settings.MONITORING_PATIENT_USERS_MINUTES,
        }
    ),
)
def patient_many_users(window: Window) -> list[Finding]:
    """Distinct users of one organisation who viewed one patient in any span of
    MONITORING_PATIENT_USERS_MINUTES; each of them is alerted with their own views."""
    limit, span = settings.MONITORING_PATIENT_USERS, settings.MONITORING_PATIENT_USERS_MINUTES
    sql = busy_spans(
        picked=f"{VIEWS} AND bsn <> '' AND ura <> ''",
        partition=("ura", "bsn"),
        distinct="username",
        detail=(
            f"jsonb_build_object('patients', {PATIENTS}, 'most_users', max(most), "
            "'limit', %(limit)s, 'minutes', %(minutes)s)"
        ),
    )
    return window.findings(
        sql, {"span": dt.timedelta(minutes=span), "limit": limit, "minutes": span}
    )
