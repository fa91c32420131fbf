"""Reads of the consent registry and the policies, as the decision needs them."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from consent.decision import PolicyState, Registered
from consent.models import ConsentRegistration, Decision, Policy, Scope


def registered_state(*, patient_bsn: str, requester_scope: Scope) -> Registered:
    """The patient's current choice for a HAP or an SEH: the latest current registration
    for that scope or for both. A refusal in either counts (a refusal always blocks)."""
    current = list(
        ConsentRegistration.objects.filter(
            patient_bsn=patient_bsn,
            scope__in=[requester_scope, Scope.BOTH],
            successor__isnull=True,
        ).values_list("decision", "registered_at")
    )
    if any(decision == Decision.REFUSAL for decision, _ in current):
        return Registered.REFUSAL
    if not current:
        return Registered.BLANK
    latest, _ = max(current, key=lambda row: row[1])
    return Registered(latest)


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
