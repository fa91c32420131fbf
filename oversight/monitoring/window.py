"""The scan's window over the ledger, as one temporary table that every rule queries.

`monitoring_window` holds the events the scan reads for the first time (seq after the
watermark, up to the head it fixed: `is_new`), of the event types the rules read, and
before them, per event type, the older events within the longest span any rule looks back
over (e.g. the hour before the first new view, for "many patients in an hour"). The ledger
is read once, through its seq and occurred_at indexes; the rules then work on a table of a
few hundred thousand rows rather than on tens of millions.

PostgreSQL only: the rules use its window functions, arrays and jsonb.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.backends.utils import CursorWrapper

from oversight.monitoring.registry import Finding, Rule

TABLE = "monitoring_window"

_COLUMNS = """
    e.id, e.seq, e.occurred_at, {local_at} AS local_at,
    e.event_type, e.outcome,
    e.user_username AS username, e.user_name,
    e.organisation_ura AS ura, e.organisation_name,
    e.patient_bsn AS bsn, e.consent_basis, e.consent_policy,
    e.purpose_of_use AS purpose, e.detail
"""
_LOCAL_AT = "(e.occurred_at AT TIME ZONE %(tz)s)"  # Dutch time, for the rule on usual hours

# The table's columns as the ledger's (a CREATE TABLE AS takes no parameters).
_CREATE = f"""
CREATE TEMPORARY TABLE {TABLE} AS
SELECT {_COLUMNS.format(local_at="e.occurred_at::timestamp")}, true AS is_new
FROM audit_accessevent e
WITH NO DATA
"""  # noqa: S608 - constants only

# The new events: seq after the watermark, up to the head fixed at the start of the scan.
# Each event with a seq up to the head has committed (seq is given in commit order).
_NEW = f"""
INSERT INTO {TABLE}
SELECT {_COLUMNS.format(local_at=_LOCAL_AT)}, true AS is_new
FROM audit_accessevent e
WHERE e.seq > %(after)s AND e.seq <= %(up_to)s AND e.event_type = ANY(%(types)s)
"""  # noqa: S608 - constants only; the values are parameters

# Older events of these types within `lookback` before the first new one.
_CONTEXT = f"""
INSERT INTO {TABLE}
SELECT {_COLUMNS.format(local_at=_LOCAL_AT)}, false AS is_new
FROM audit_accessevent e
WHERE e.occurred_at >= %(since)s AND e.occurred_at <= %(until)s
  AND e.seq <= %(after)s AND e.event_type = ANY(%(types)s)
"""  # noqa: S608

# What a rule's SQL returns (username, ura, event_ids, detail), with the names of the user
# and the organisation as the latest of the events gives them, and when it began and ended.
_FINDINGS = f"""
WITH found AS ({{sql}})
SELECT f.username, x.user_name, f.ura, x.organisation_name, f.event_ids,
       x.first_at, x.last_at, f.detail
FROM found f
CROSS JOIN LATERAL (
    SELECT (array_agg(w.user_name ORDER BY w.seq DESC))[1] AS user_name,
           (array_agg(w.organisation_name ORDER BY w.seq DESC))[1] AS organisation_name,
           min(w.occurred_at) AS first_at, max(w.occurred_at) AS last_at
    FROM {TABLE} w WHERE w.id = ANY(f.event_ids)
) x
ORDER BY f.ura, f.username
"""  # noqa: S608


@dataclass(frozen=True)
class Window:
    """The scan's window: `cursor` reads monitoring_window; the new events are those with
    seq in (after_seq, up_to_seq], which occurred between `since` and `until`."""

    cursor: CursorWrapper
    after_seq: int
    up_to_seq: int
    new_events: int
    since: dt.datetime | None
    until: dt.datetime | None

    def findings(self, sql: str, params: dict[str, Any] | None = None) -> list[Finding]:
        """Run a rule's SQL: one row per user and organisation, with the columns username,
        ura, event_ids (bigint[] of the window's ids) and detail (jsonb)."""
        self.cursor.execute(_FINDINGS.format(sql=sql), params or {})
        # Django has psycopg hand jsonb over as text (JSONField decodes it): decoded here.
        return [
            Finding(*row[:-1], detail=json.loads(row[-1]) if isinstance(row[-1], str) else row[-1])
            for row in self.cursor.fetchall()
        ]


def window_open(
    cursor: CursorWrapper,
    *,
    after_seq: int,
    up_to_seq: int,
    rules: list[Rule],
    also: frozenset[str] = frozenset(),
) -> Window:
    """Fill monitoring_window (dropped first: a scan run twice in one transaction, as a
    test does, finds the last one's) for these rules, and with the new events of the types
    `also` names (what else the scan reads the window for: the GP's notifications)."""
    types = sorted(set(also).union(*(r.reads for r in rules)))
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute(_CREATE)
    params = {"tz": settings.TIME_ZONE, "after": after_seq, "up_to": up_to_seq, "types": types}
    cursor.execute(_NEW, params)
    cursor.execute(f"SELECT count(*), min(occurred_at), max(occurred_at) FROM {TABLE}")  # noqa: S608
    new_events, since, until = cursor.fetchone()
    if new_events:
        for lookback, looked_back in _lookbacks(rules).items():
            cursor.execute(
                _CONTEXT,
                {**params, "since": since - lookback, "until": until, "types": looked_back},
            )
    cursor.execute(f"CREATE INDEX ON {TABLE} (id)")
    cursor.execute(f"ANALYZE {TABLE}")
    return Window(cursor, after_seq, up_to_seq, new_events, since, until)


def window_close(window: Window) -> None:
    window.cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _lookbacks(rules: list[Rule]) -> dict[dt.timedelta, list[str]]:
    """The event types to read older events of, grouped by how far back (the longest span
    of the rules that read each type): one statement per span."""
    longest: dict[str, dt.timedelta] = {}
    for rule in rules:
        span = rule.lookback()
        if span > dt.timedelta(0):
            for event_type in rule.reads:
                longest[event_type] = max(longest.get(event_type, span), span)
    grouped: dict[dt.timedelta, list[str]] = {}
    for event_type, span in sorted(longest.items()):
        grouped.setdefault(span, []).append(event_type)
    return grouped
