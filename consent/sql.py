"""The registry's rules as SQL fragments, for the two statements that cannot ask the ORM.

The triage search reads everything it decides on in one statement (triage/sql.py), and the
store writes a page of summaries in one (summaries/services/store.py); both need the
registry's answer as a part of their SQL. Each fragment here is the same rule as an ORM
query in consent/selectors.py, and tests/consent/test_sql.py compares the two over every
kind of history (consent, refusal, withdrawal, one scope or both).
"""

from __future__ import annotations

from consent.models import Decision, Scope


def current_decision_sql(patient_bsn: str) -> str:
    """As consent.selectors.registered_state: the patient's deciding registration for a HAP
    or an SEH, as one value (NULL: none). `patient_bsn` is the SQL for the BSN (a
    placeholder or a column); its parameters: current_decision_params()."""
    return (
        '(SELECT r."decision" FROM "consent_consentregistration" r '  # noqa: S608 (our SQL only)
        f'WHERE r."patient_bsn" = {patient_bsn} AND r."scope" IN (%s, %s) '
        'AND NOT EXISTS (SELECT 1 FROM "consent_consentregistration" n '
        'WHERE n."previous_id" = r."id") '
        'ORDER BY (r."decision" = %s) DESC, r."registered_at" DESC LIMIT 1)'
    )


def current_decision_params(requester_scope: Scope) -> list[str]:
    return [requester_scope, Scope.BOTH, Decision.REFUSAL]


def refusal_registered_sql(patient_bsn: str) -> str:
    """As consent.selectors.refused_among: true when the patient has a current refusal
    registered in any scope. `patient_bsn` is SQL for the BSN, a column of the query this
    is part of. No parameters: the decision is our own constant."""
    return (
        'EXISTS (SELECT 1 FROM "consent_consentregistration" r '  # noqa: S608 (our SQL only)
        f'WHERE r."patient_bsn" = {patient_bsn} AND r."decision" = \'{Decision.REFUSAL.value}\' '
        'AND NOT EXISTS (SELECT 1 FROM "consent_consentregistration" n '
        'WHERE n."previous_id" = r."id"))'
    )
