"""What the rules share: the events they pick, and the query for busy spans of time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings

from audit.models import EventType, Outcome, Purpose
from oversight.monitoring.window import TABLE

VIEW = EventType.SUMMARY_VIEW.value
SEARCH = EventType.PATIENT_SEARCH.value
EMERGENCY = EventType.EMERGENCY_ACCESS.value

# A summary shown to a staff member (a refused one is an access_denied event).
VIEWS = f"event_type = '{VIEW}' AND outcome = {Outcome.SUCCESS.value} AND username <> ''"
# A triage search that found nobody (audit.events.patient_searched, found "nobody"); a GP's
# search in the registry is for healthcare operations, not treatment, and is left out.
FAILED_SEARCHES = (
    f"event_type = '{SEARCH}' AND purpose = '{Purpose.TREATMENT.value}' "
    "AND detail ->> 'found' = 'nobody' AND username <> ''"
)
# The patients of a group of rows, for the alert's detail: at most 20 named.
PATIENTS = "to_jsonb((array_agg(DISTINCT bsn ORDER BY bsn))[1:20])"


def minutes(setting: str) -> Callable[[], dt.timedelta]:
    """A rule's lookback: the span in minutes that `setting` names, read at scan time."""
    return lambda: dt.timedelta(minutes=getattr(settings, setting))


def busy_spans(*, picked: str, partition: tuple[str, ...], distinct: str, detail: str) -> str:
    """Spans of time (%(span)s, each ending at an event) in which the `picked` events of
    one `partition` hold at least %(limit)s distinct values of `distinct`, one of them new.

    First every event's span is counted with a window function (count(*) over RANGE
    %(span)s PRECEDING: a sort, no join); only the spans of %(limit)s events or more (which
    may hold fewer distinct values) are joined with their events, to count the distinct
    values exactly. Returns per user and organisation the events of those spans; `detail`
    is a jsonb expression over the rows of `hits` (`most`: the largest distinct count of
    the spans a row is in)."""
    columns = ", ".join(partition)
    same = " AND ".join(f"p.{column} = a.{column}" for column in partition)
    return f"""
    WITH picked AS (
        SELECT id, seq, occurred_at, username, ura, bsn, is_new
        FROM {TABLE} WHERE {picked}
    ), counted AS (
        SELECT p.*, count(*) OVER span AS n, bool_or(p.is_new) OVER span AS has_new
        FROM picked p
        WINDOW span AS (
            PARTITION BY {columns} ORDER BY occurred_at
            RANGE BETWEEN %(span)s PRECEDING AND CURRENT ROW
        )
    ), anchors AS (
        SELECT id AS anchor, {columns}, occurred_at AS ends_at
        FROM counted WHERE n >= %(limit)s AND has_new
    ), spans AS (
        SELECT a.anchor, count(DISTINCT p.{distinct}) AS most, array_agg(p.id) AS ids
        FROM anchors a JOIN picked p
          ON {same} AND p.occurred_at BETWEEN a.ends_at - %(span)s AND a.ends_at
        GROUP BY a.anchor
        HAVING count(DISTINCT p.{distinct}) >= %(limit)s
    ), hits AS (
        SELECT p.*, s.most
        FROM spans s CROSS JOIN LATERAL unnest(s.ids) AS hit(id) JOIN picked p USING (id)
    )
    SELECT username, ura, array_agg(DISTINCT id) AS event_ids, {detail} AS detail
    FROM hits GROUP BY username, ura
    """  # noqa: S608 - constants only; the values are parameters
