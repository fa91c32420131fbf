"""The one hand-written statement of triage, and why it is one.

A search decides on the user's recent searches (two throttles), the patient's registered
decision, the summary's id and whether a registration carries this birth date. Read in
one statement, after the user's row lock is held (triage.search._lock_user), so that it
sees every search that went before; the lookup benchmark (docs/performance.md, "Lookup")
measured the search page with it. tests/triage/test_guessing.py compares its answer with
the ORM queries it stands for.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from audit.models import AccessEvent, ConsentBasis, EventType, Outcome
from consent.models import ConsentRegistration, Scope
from consent.selectors import current_decision_params, current_decision_sql
from summaries.models import Summary

# Everything a search decides on, in one statement: the throttle counts over the user's own
# recent searches, in one pass over them (index audit_event_user_time) — different
# patients, whether this BSN is among them, and searches that found nobody (a failure
# without a consent basis: a refusal found has one) — the patient's registered decision, the
# summary id for this BSN and birth date, and whether a registration was made with this
# birth date (a refusal purges the summary). Read after the user's row lock is held
# (_lock_user), so that it sees every search that went before.
SEARCH_FACTS_SQL = (
    "SELECT c.patients, c.seen, c.failed, "  # noqa: S608 (our SQL only)
    f"{current_decision_sql('%s')}, "
    '(SELECT s."id" FROM "summaries_summary" s WHERE s."bsn" = %s AND s."birth_date" = %s), '
    'EXISTS (SELECT 1 FROM "consent_consentregistration" r '
    ' WHERE r."patient_bsn" = %s AND r."patient_birth_date" = %s) '
    "FROM (SELECT "
    ' count(DISTINCT a."patient_bsn") FILTER (WHERE a."patient_bsn" <> \'\') AS patients, '
    ' count(*) FILTER (WHERE a."patient_bsn" = %s) AS seen, '
    ' count(*) FILTER (WHERE a."outcome" = %s AND a."consent_basis" = %s) AS failed '
    ' FROM "portal_user" u JOIN "audit_accessevent" a ON a."user_username" = u."username" '
    ' AND a."occurred_at" >= %s AND a."event_type" = %s '
    ' WHERE u."id" = %s) c'
)


def _param(model, name: str, value):
    """A value as the ORM would send it for that field on this database."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def search_facts(
    *, user_id: int, bsn: str, birth_date: dt.date, scope: Scope, since: dt.datetime
) -> tuple:
    """(different patients searched since `since`, searches of this BSN since then,
    searches that found nobody since then, the registered decision or None, the summary id
    for this BSN and birth date or None, whether a registration has this birth date)."""
    with connection.cursor() as cursor:
        cursor.execute(
            SEARCH_FACTS_SQL,
            [
                bsn,
                *current_decision_params(scope),
                bsn,
                _param(Summary, "birth_date", birth_date),
                bsn,
                _param(ConsentRegistration, "patient_birth_date", birth_date),
                bsn,
                Outcome.MINOR_FAILURE,
                ConsentBasis.NONE,
                _param(AccessEvent, "occurred_at", since),
                EventType.PATIENT_SEARCH,
                user_id,
            ],
        )
        return cursor.fetchone()
