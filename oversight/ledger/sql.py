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
import re
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
    'to_char("occurred_at" AT TIME ZONE %s::text, \'DD-MM-YYYY HH24:MI:SS\'), "event_type", '
    '"user_name", "user_username", "user_portal_role", "patient_bsn", "consent_basis", '
    '"consent_policy", "outcome"'
)


# How PostgreSQL plans the statement, for the rest of the search's transaction (one round trip,
# both settings in it):
#
# - one generic plan, kept: psycopg prepares the statement after its fifth use, but PostgreSQL
#   judged its generic plan dearer than planning anew for each organisation, and went on
#   planning it on every page: ~0.3 ms of PostgreSQL's CPU a page at 10M events (every month's
#   partition and its thirteen indexes considered; docs/performance.md, "The ledger search's
#   plan and its Python"). The generic plans read the same index ranges, one per month,
#   merged newest first.
# - for a patient's or a user's page, no sorting: the planner expects a handful of events
#   for one patient or one user, so it would read every one of them and sort them rather
#   than merge the months' index scans in order; fine for most patients, but a patient with
#   2,000 events at the organisation (a frequent visitor, or one whose record supervisors
#   keep looking up: every search is itself an event of theirs) cost 1.8 ms a page, and
#   growing; and a nurse's month is hundreds of events (the bench's, 179 in five days at
#   1M: 166 buffers and a sort, 0.44 ms, against 59 buffers merged, 0.25 ms). Merged, a page
#   reads a page's worth.
_GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan"
_MERGE_IN_ORDER = "SET LOCAL enable_sort = off"


def page_settings(*, bsn: str | None, username: str | None) -> str:
    """The settings page_rows runs its statement under. (Each set of filters is a statement
    of its own, so each is always planned under the same settings.)"""
    return f"{_GENERIC_PLAN}; {_MERGE_IN_ORDER}" if bsn or username else _GENERIC_PLAN


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
    one of its own): page_settings hold until it ends."""
    statement, params = page_statement(organisation_ura, **filters)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(page_settings(bsn=filters["bsn"], username=filters["username"]))
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    fromisoformat = dt.datetime.fromisoformat
    return [(seq, fromisoformat(at), *rest) for seq, at, *rest in rows]


def page_plan(organisation_ura: str, *, also: str = "", **filters) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement as page_rows runs it: prepared, under
    page_settings (and `also`, more settings), its plan the generic one. For the bench and
    the tests; rolled back."""
    statement, params = page_statement(organisation_ura, **filters)
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub("%s", lambda _: f"${next(numbered)}", statement)
    with transaction.atomic(), connection.cursor() as cursor:
        settings_sql = page_settings(bsn=filters["bsn"], username=filters["username"])
        cursor.execute(settings_sql + (f"; {also}" if also else ""))
        cursor.execute(f"PREPARE ledger_page_plan AS {prepared}")
        try:
            # The values written into the EXECUTE as literals: a utility statement's
            # parameters get no types from the statement it executes.
            explain = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE ledger_page_plan ({})".format(
                ", ".join(["%s"] * len(params))
            )
            cursor.execute(connection.ops.compose_sql(explain, params))
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE ledger_page_plan")
        transaction.set_rollback(True)
    return plan
