"""The ledger search's page read, written by hand (issue 15), and why.

The page is a supervisor's most frequent read; through the ORM its one statement cost ~0.5 ms
of Python a page to build, and Django's timestamptz loader (Python, not psycopg's C one)
~9 µs a row to read back — on top of PostgreSQL's 0.2–0.4 ms (docs/performance.md,
"Oversight"). Here the same statement is built from its filters directly and the times come
as ISO text, which `datetime.fromisoformat` reads in C. The ORM query stays beside it
(oversight.ledger.selectors.ledger_page, for other databases) and
tests/oversight/test_ledger_sql.py compares the two over filters, ties and cursors.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction

if TYPE_CHECKING:
    from oversight.ledger.selectors import Cursor

# The columns of a row, in selectors._ROW_FIELDS' order: the time as ISO text in UTC, then
# as the page shows it (dd-mm-yyyy hh:mm:ss in settings.TIME_ZONE, the first parameter),
# which PostgreSQL writes at a fraction of what astimezone and strftime cost in Python
# (~3 µs a row).
_COLUMNS = (
    '"seq", to_char("occurred_at" AT TIME ZONE \'UTC\', '
    '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\'), '
    'to_char("occurred_at" AT TIME ZONE %s, \'DD-MM-YYYY HH24:MI:SS\'), "event_type", '
    '"user_name", "user_username", "user_portal_role", "patient_bsn", "consent_basis", '
    '"consent_policy", "outcome"'
)


# A patient's page is read through audit_event_org_patient_time in every month's partition,
# newest first. The planner's estimate for one patient is a handful of events, so it would
# rather read every one of them and sort them than merge the partitions' index scans in
# order: fine for most patients, but a patient with 2,000 events at the organisation (a
# frequent visitor, or one whose record supervisors keep looking up: every search is itself
# an event of theirs) cost 1.8 ms a page, growing with each one (docs/performance.md,
# "Oversight"). Without the sort to choose, the merge reads a page's worth.
_MERGE_IN_ORDER = "SET LOCAL enable_sort = off"


def page_statement(
    organisation_ura: str,
    *,
    username: str | None,
    bsn: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    event_type: str | None,
    cursor: Cursor | None,
    newer_first: bool,
    limit: int,
) -> tuple[str, list]:
    """The statement page_rows runs, and its parameters."""
    where, params = ['"organisation_ura" = %s'], [settings.TIME_ZONE, organisation_ura]
    for column, value in (
        ("user_username", username),
        ("patient_bsn", bsn),
        ("event_type", event_type),
    ):
        if value:
            where.append(f'"{column}" = %s')
            params.append(value)
    if start is not None:
        where.append('"occurred_at" >= %s')
        params.append(start)
    if end is not None:
        where.append('"occurred_at" < %s')
        params.append(end)
    if cursor is not None:
        # As selectors._past: a range on occurred_at (which bounds the index scan), the tie
        # broken by seq.
        at, seq = cursor.occurred_at, cursor.seq
        older = cursor.direction == "older"
        before, strictly, seq_side = ("<=", "<", "<") if older else (">=", ">", ">")
        where.append(
            f'"occurred_at" {before} %s AND ("occurred_at" {strictly} %s OR "seq" {seq_side} %s)'
        )
        params += [at, at, seq]
    order = "DESC" if newer_first else "ASC"
    statement = (
        f'SELECT {_COLUMNS} FROM "audit_accessevent" WHERE {" AND ".join(where)} '  # noqa: S608
        f'ORDER BY "occurred_at" {order}, "seq" {order} LIMIT %s'
    )
    return statement, [*params, limit]


def page_rows(organisation_ura: str, **filters) -> list[tuple]:
    """The organisation's events matching the filters (page_statement's keyword arguments),
    in (occurred_at, seq) order — newest first or oldest first — past the cursor, at most
    `limit`; as selectors._page_rows_orm gives them. In a transaction (the caller's, else
    one of its own): _MERGE_IN_ORDER holds until it ends."""
    statement, params = page_statement(organisation_ura, **filters)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if filters["bsn"]:
            cursor.execute(_MERGE_IN_ORDER)
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    fromisoformat = dt.datetime.fromisoformat
    return [(seq, fromisoformat(at), *rest) for seq, at, *rest in rows]
