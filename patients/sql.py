"""The patient's page's reads, written by hand (issue 16), and why.

docs/performance.md ("The ledger by month, and the patient's own page") measured /mijn/ at
6.3× hello's p50 under load at 1M events, 9.7× at 10M (goal ≤ 4×): through the ORM its page
read six statements — the log, the reviews of the events on it, the registry's decision for
a HAP and for an SEH, the history — and building them cost more Python than PostgreSQL spent
answering them. Here they are one statement on PostgreSQL, each part as a column (the log and the
history as JSON arrays of rows), behind the rows the ORM versions return
(patients.selectors._log_rows_orm, registry.selectors.patient_choices);
tests/patients/test_sql.py compares the two over the log's filters, cursors and reviews.

The log's rule stays in one place: which events are about the patient, and which of their
own readings are left out, is patients.selectors.log_events for the ORM and _LOG_WHERE
here, written so that PostgreSQL uses the same two indexes (audit_event_patient_log,
audit_event_read_patients; migration audit/0019) — test_sql checks the plan.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from django.db import connection

from audit.models import EventType
from consent.models import ConsentRegistration, Decision, Scope
from consent.selectors import registered_from
from consent.sql import current_decision_params, current_decision_sql
from registry.services import PATIENT_ROLE
from registry.sql import SCOPES_SHOWN  # a HAP and an SEH, as the GP's page shows them

# A log row, as both readers return it: these columns, then whether it must be reviewed in
# any case (an emergency access: audit.events) and whether the alerts citing it are all
# reviewed (None: no alert cites it).
LOG_FIELDS = (
    "seq",
    "occurred_at",
    "event_type",
    "organisation_name",
    "user_portal_role",
    "user_name",
    "responsible_name",
    "consent_basis",
    "consent_policy",
)
# What the page shows of each registration in the history (the rest stays deferred), in
# the model's order, as Model.from_db takes them.
HISTORY_FIELDS = tuple(
    field.attname
    for field in ConsentRegistration._meta.concrete_fields
    if field.attname in {"id", "registered_at", "decision", "scope", "source", "organisation_name"}
)

# Literal constants, not parameters: PostgreSQL uses a partial index only where it can
# prove the query implies the index's condition, which a parameter's value cannot show.
_LOG_WHERE = (
    '(e."patient_bsn" = %s OR (e."event_type" = '
    f"'{EventType.ADMIN_READ.value}' AND (e.\"detail\" -> 'patients') @> %s::jsonb)) "
    f"AND NOT (e.\"event_type\" = '{EventType.PATIENT_LOG_READ.value}' "
    f"AND e.\"user_portal_role\" = '{PATIENT_ROLE}')"
)

# Newest first, by an expression no index serves (seq + 0): otherwise, once the statistics
# expect thousands of matching events (the GIN condition's estimate grows with the ledger),
# PostgreSQL walks the whole ledger's seq index backwards, filtering, hoping to meet 50 of
# them soon — 0.5 s a page at 1M events for a patient with six (docs/performance.md). So the
# patient's own events are found by the two indexes above and sorted: their number, not
# the ledger's, bounds the cost.
_NEWEST_FIRST = 'e."seq" + 0 DESC'

_LOG_COLUMNS = (
    ", ".join(f'e."{name}"' for name in LOG_FIELDS)  # noqa: S608 (our SQL only)
    + ", coalesce(e.\"detail\" -> 'needs_review' = 'true'::jsonb, false) AS \"needs_review\", "
    '(SELECT bool_and(a."reviewed") FROM "audit_misusealertevent" m '
    'JOIN "audit_misusealert" a ON a."id" = m."alert_id" WHERE m."event_id" = e."id") '
    'AS "reviewed"'
)
_LOG_AS_JSON = (
    "json_agg(json_build_array("
    + ", ".join(f'l."{name}"' for name in (*LOG_FIELDS, "needs_review", "reviewed"))
    + ') ORDER BY l."seq" DESC)'
)


def log_statement(
    *,
    bsn: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    before: int | None,
    limit: int,
) -> tuple[str, list]:
    """The log's SELECT (LOG_FIELDS and the two review columns, newest first) and its
    parameters: the events about the patient in the period, older than `before`."""
    where, params = [_LOG_WHERE], [bsn, json.dumps([bsn])]
    for clause, value in (
        ('e."occurred_at" >= %s', since),
        ('e."occurred_at" < %s', until),
        ('e."seq" < %s', before),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    statement = (
        f'SELECT {_LOG_COLUMNS} FROM "audit_accessevent" e '  # noqa: S608 (our SQL only)
        f"WHERE {' AND '.join(where)} ORDER BY {_NEWEST_FIRST} LIMIT %s"
    )
    return statement, [*params, limit]


def _from_json(row: list) -> tuple:
    """A log row from JSON: its time (ISO text) as a datetime."""
    return (row[0], dt.datetime.fromisoformat(row[1]), *row[2:])


def log_rows(
    *,
    bsn: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    before: int | None,
    limit: int,
) -> list[tuple]:
    """The log of accesses to the patient's data (LOG_FIELDS and the two review columns),
    newest first."""
    statement, params = log_statement(bsn=bsn, since=since, until=until, before=before, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


class PageRows(NamedTuple):
    """What the patient's page reads, as rows."""

    log: list[tuple]  # as log_rows
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[ConsentRegistration]  # HISTORY_FIELDS loaded, newest first


def page_rows(
    *,
    bsn: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    before: int | None,
    limit: int,
) -> PageRows:
    """The page's log (as log_rows), the registry's current decisions and the history of
    registrations, in one statement."""
    select, params = log_statement(bsn=bsn, since=since, until=until, before=before, limit=limit)
    statement = (
        "SELECT "  # noqa: S608 (our SQL only)
        + ", ".join(current_decision_sql("%s") for _scope in SCOPES_SHOWN)
        + ", (SELECT json_agg(json_build_array("
        + ", ".join(f'r."{name}"' for name in HISTORY_FIELDS)
        + ') ORDER BY r."registered_at" DESC, r."id" DESC) '  # noqa: S608 (our SQL only)
        'FROM "consent_consentregistration" r WHERE r."patient_bsn" = %s), '
        f"(SELECT {_LOG_AS_JSON} FROM ({select}) l)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [
                *(p for scope in SCOPES_SHOWN for p in (bsn, *current_decision_params(scope))),
                bsn,
                *params,
            ],
        )
        *decisions, history, log = cursor.fetchone()
    return PageRows(
        log=[_from_json(row) for row in log or []],
        current={
            scope: registered_from(decision)
            for scope, decision in zip(SCOPES_SHOWN, decisions, strict=True)
        },
        history=[_registration(row) for row in history or []],
    )


def _registration(row: list) -> ConsentRegistration:
    """A history row (JSON) as the model, with HISTORY_FIELDS loaded."""
    values = dict(zip(HISTORY_FIELDS, row, strict=True))
    values["registered_at"] = dt.datetime.fromisoformat(values["registered_at"])
    return ConsentRegistration.from_db(connection.alias, HISTORY_FIELDS, list(values.values()))
