"""Reads of the consent registry and the policies, as the decision needs them."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection

from consent.decision import PolicyState
from consent.models import Decision, Policy, Scope


def current_decision_sql(patient_bsn: str) -> str:
    """SQL for the patient's deciding registration for a HAP or an SEH, as one value (NULL:
    none): of the current registrations (no successor) for that scope or for both, a refusal
    if there is one (a refusal always blocks), else the latest. `patient_bsn` is the SQL for
    the BSN: a placeholder, or a column of the query this is part of (open_encounter reads
    it with the encounter, in one round trip). Its parameters: current_decision_params()."""
    return (
        '(SELECT r."decision" FROM "consent_consentregistration" r '  # noqa: S608 (our SQL only)
        f'WHERE r."patient_bsn" = {patient_bsn} AND r."scope" IN (%s, %s) '
        'AND NOT EXISTS (SELECT 1 FROM "consent_consentregistration" n '
        'WHERE n."previous_id" = r."id") '
        'ORDER BY (r."decision" = %s) DESC, r."registered_at" DESC LIMIT 1)'
    )


def refusal_registered_sql(patient_bsn: str) -> str:
    """SQL, true when the patient has a current refusal registered in any scope: such a
    patient's summary is not kept (summaries_store leaves it out; summary_purge removes
    what there was). `patient_bsn` is SQL for the BSN, a column of the query this is part
    of. No parameters: the decision is our own constant."""
    return (
        'EXISTS (SELECT 1 FROM "consent_consentregistration" r '  # noqa: S608 (our SQL only)
        f'WHERE r."patient_bsn" = {patient_bsn} AND r."decision" = \'{Decision.REFUSAL.value}\' '
        'AND NOT EXISTS (SELECT 1 FROM "consent_consentregistration" n '
        'WHERE n."previous_id" = r."id"))'
    )


def refused_among(bsns: list[str]) -> set[str]:
    """Of these patients, those with a current refusal registered in any scope: the rule of
    refusal_registered_sql, over a list (PostgreSQL and SQLite both name a VALUES list's
    column `column1`)."""
    if not bsns:
        return set()
    values = ", ".join(["(%s)"] * len(bsns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.column1 FROM (VALUES {values}) v "  # noqa: S608 (values are parameters)
            f"WHERE {refusal_registered_sql('v.column1')}",
            bsns,
        )
        return {bsn for (bsn,) in cursor.fetchall()}


def current_decision_params(requester_scope: Scope) -> list[str]:
    return [requester_scope, Scope.BOTH, Decision.REFUSAL]


def registered_from(decision: str | None) -> Decision:
    return Decision(decision) if decision else Decision.BLANK


def registered_state(*, patient_bsn: str, requester_scope: Scope) -> Decision:
    """The patient's current choice for a HAP or an SEH."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {current_decision_sql('%s')}",  # noqa: S608 (values are parameters)
            [patient_bsn, *current_decision_params(requester_scope)],
        )
        return registered_from(cursor.fetchone()[0])


POLICIES_CACHE_KEY = "consent:policies"


def policies_at(at: dt.datetime) -> list[PolicyState]:
    """The policies and whether each is in force at `at`. Read from the shared cache:
    every change (policy_switch, the admin) drops it, so a stop button acts at once."""
    policies = cache.get(POLICIES_CACHE_KEY)
    if policies is None:
        policies = list(Policy.objects.order_by("name"))
        cache.set(POLICIES_CACHE_KEY, policies, timeout=60)
    return [
        PolicyState(name=p.name, in_force=p.in_force(at), condition=p.condition) for p in policies
    ]


def policies_changed() -> None:
    cache.delete(POLICIES_CACHE_KEY)
