"""Views outside the hours in which the user usually works, learned from their own history.

The scan keeps, per user and day (Dutch time), the hours in which the ledger shows them at
triage work (audit.models.MonitoringActivityDay: a bit per hour). A view at hour h on day d
is outside the user's usual hours when, in the MONITORING_USUAL_HOURS_DAYS days before d,
the user worked on at least MONITORING_USUAL_HOURS_MIN_DAYS days (enough history to judge),
and on none of them in hour h or within MONITORING_USUAL_HOURS_MARGIN hours of it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from audit.models import EventType, MonitoringActivityDay, Purpose
from oversight.monitoring.registry import Finding, Kind, rule
from oversight.monitoring.rules.common import EMERGENCY, SEARCH, VIEW, VIEWS
from oversight.monitoring.window import TABLE, Window

HOURS = 24
# Triage work, to learn a user's hours from: views, answers at the point of care, and
# searches for treatment (a GP's search in the registry is for healthcare operations).
_WORK_TYPES = (VIEW, EMERGENCY, EventType.CONSENT_RECORDED.value, EventType.CONSENT_REFUSED.value)
_WORK = (
    f"(event_type IN ({', '.join(repr(t) for t in _WORK_TYPES)}) "
    f"OR (event_type = '{SEARCH}' AND purpose = '{Purpose.TREATMENT.value}'))"
)

_ACTIVITY = MonitoringActivityDay._meta.db_table

# The new events' hours, added to what is known of each user's days (a day may come in
# several scans; the bits only grow, so a scan read twice changes nothing).
_LEARN = f"""
INSERT INTO {_ACTIVITY} (username, day, hours)
SELECT username, local_at::date, bit_or(1 << extract(hour FROM local_at)::int)
FROM {TABLE}
WHERE is_new AND username <> '' AND {_WORK}
GROUP BY username, local_at::date
ON CONFLICT (username, day) DO UPDATE SET hours = {_ACTIVITY}.hours | EXCLUDED.hours
WHERE ({_ACTIVITY}.hours | EXCLUDED.hours) <> {_ACTIVITY}.hours
"""  # noqa: S608 - constants only

_UNUSUAL = f"""
WITH views AS (
    SELECT id, username, ura, local_at::date AS day, extract(hour FROM local_at)::int AS hour
    FROM {TABLE} WHERE is_new AND {VIEWS}
), learned AS (
    SELECT d.username, d.day, count(*) AS days, bit_or(a.hours) AS hours
    FROM (SELECT DISTINCT username, day FROM views) d
    JOIN {_ACTIVITY} a ON a.username = d.username
     AND a.day < d.day AND a.day >= d.day - %(days)s::int
    GROUP BY d.username, d.day
    HAVING count(*) >= %(min_days)s::int
), unusual AS (
    SELECT v.*, l.hours AS usual, l.days
    FROM views v JOIN learned l USING (username, day)
    WHERE l.hours & (%(near)s::int[])[v.hour + 1] = 0
)
SELECT username, ura, array_agg(id ORDER BY id) AS event_ids,
       jsonb_build_object(
           'hours', to_jsonb(array_agg(DISTINCT hour ORDER BY hour)),
           'usual_hours_mask', bit_or(usual),
           'days_learned_from', min(days)
       ) AS detail
FROM unusual GROUP BY username, ura
"""  # noqa: S608 - constants only; the values are parameters


def _near(margin: int) -> list[int]:
    """Per hour of the day, the bits of the hours within `margin` of it (around midnight
    too: 23:00 is next to 00:00)."""
    return [
        sum(1 << ((hour + step) % HOURS) for step in range(-margin, margin + 1))
        for hour in range(HOURS)
    ]


@rule(
    Kind.UNUSUAL_HOURS,
    reads=frozenset(_WORK_TYPES) | {SEARCH},
    explanation=lambda: (
        _(
            "This user viewed summaries at an hour (Dutch time) in which they did no triage "
            "work on any of the %(days)s days before, while they did work on at least "
            "%(min_days)s of those days. An hour within %(margin)s of a usual hour counts as "
            "usual."
        )
        % {
            "days": settings.MONITORING_USUAL_HOURS_DAYS,
            "min_days": settings.MONITORING_USUAL_HOURS_MIN_DAYS,
            "margin": settings.MONITORING_USUAL_HOURS_MARGIN,
        }
    ),
)
def unusual_hours(window: Window) -> list[Finding]:
    """Learns the window's hours first (a day's history is the days before it, so a view
    never counts towards its own day), then judges the new views; and forgets the days
    the rule no longer looks back on (before the window's first day, less the period)."""
    days = settings.MONITORING_USUAL_HOURS_DAYS
    window.cursor.execute(_LEARN)
    if window.since is not None:
        first_day = window.since.astimezone(dt.UTC).date()  # a day early at worst
        MonitoringActivityDay.objects.filter(
            day__lt=first_day - dt.timedelta(days=days + 1)
        ).delete()
    findings = window.findings(
        _UNUSUAL,
        {
            "days": days,
            "min_days": settings.MONITORING_USUAL_HOURS_MIN_DAYS,
            "near": _near(settings.MONITORING_USUAL_HOURS_MARGIN),
        },
    )
    for finding in findings:
        mask = finding.detail.pop("usual_hours_mask")
        finding.detail["usual_hours"] = [hour for hour in range(HOURS) if mask >> hour & 1]
    return findings
