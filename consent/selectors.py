"""Reads of the consent registry and the policies, as the decision needs them."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Case, OuterRef, QuerySet, Value, When

from consent.decision import PolicyState
from consent.models import ConsentRegistration, Decision, Policy, Scope


def current_registrations() -> QuerySet[ConsentRegistration]:
    """The current registrations: the last of each patient's history per scope (no
    successor yet)."""
    return ConsentRegistration.objects.filter(successor__isnull=True)


def deciding_registration(
    patient_bsn: str | OuterRef, requester_scope: Scope
) -> QuerySet[ConsentRegistration]:
    """The registration that decides for a HAP or an SEH, first: of the current ones for
    that scope or for both, a refusal if there is one (a refusal always blocks), else the
    latest. `patient_bsn` may be an OuterRef: triage reads it with the encounter."""
    return (
        current_registrations()
        .filter(patient_bsn=patient_bsn, scope__in=[requester_scope, Scope.BOTH])
        .order_by(
            Case(When(decision=Decision.REFUSAL, then=Value(0)), default=Value(1)),
            "-registered_at",
        )
    )


def registered_from(decision: str | None) -> Decision:
    return Decision(decision) if decision else Decision.BLANK


def registered_state(*, patient_bsn: str, requester_scope: Scope) -> Decision:
    """The patient's current choice for a HAP or an SEH."""
    decision = (
        deciding_registration(patient_bsn, requester_scope)
        .values_list("decision", flat=True)
        .first()
    )
    return registered_from(decision)


def refused_among(bsns: list[str]) -> set[str]:
    """Of these patients, those with a current refusal registered in any scope: such a
    patient's summary is not kept (the store leaves it out, the purge removes it)."""
    if not bsns:
        return set()
    return set(
        current_registrations()
        .filter(patient_bsn__in=bsns, decision=Decision.REFUSAL)
        .values_list("patient_bsn", flat=True)
    )


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
