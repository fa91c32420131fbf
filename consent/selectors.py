"""Reads of the consent registry and the policies, as the decision and the
administrator's policies page need them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Case, OuterRef, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from consent.decision import PolicyState
from consent.models import ConsentRegistration, Decision, Policy, PolicyChange, Scope
from portal.access import Permission, membership_allows
from portal.models import Membership
from portal.templatetags.triage import day_month_time


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
# Changed by every change of a policy; the cached policies carry the version they were
# read under and count only while it is still the current one. Deleting the cached list
# alone is not enough: a request that read the policies just before a change commits can
# write its (old) list back after the delete, and the stop button would then wait for the
# cache to expire. Both keys are read with one MGET.
POLICIES_VERSION_KEY = "consent:policies:version"


def policies_at(at: dt.datetime) -> list[PolicyState]:
    """The policies and whether each is in force at `at`. Read from the shared cache:
    every change (the policy services) makes it stale at once, so a stop button acts on
    the very next request of every path."""
    cached = cache.get_many([POLICIES_CACHE_KEY, POLICIES_VERSION_KEY])
    version = cached.get(POLICIES_VERSION_KEY)
    entry = cached.get(POLICIES_CACHE_KEY)
    if isinstance(entry, tuple) and entry[0] == version:
        policies = entry[1]
    else:
        policies = list(Policy.objects.order_by("name"))
        cache.set(POLICIES_CACHE_KEY, (version, policies), timeout=60)
    return [
        PolicyState(name=p.name, in_force=p.in_force(at), condition=p.condition) for p in policies
    ]


def policies_changed() -> None:
    """After a change of the policies has committed: every later read goes to the database."""
    cache.set(POLICIES_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    cache.delete(POLICIES_CACHE_KEY)


# --- The administrator's policies page ------------------------------------------------------


def _may_administer(membership: Membership) -> None:
    if not membership_allows(membership, Permission.ADMINISTER):
        raise PermissionDenied(f"role {membership.role} may not manage policies")


@dataclass(frozen=True)
class PolicyRow:
    policy: Policy
    status: Policy.Status

    @property
    def in_force(self) -> bool:
        return self.status == Policy.Status.IN_FORCE


def policies_overview(*, membership: Membership, at: dt.datetime) -> list[PolicyRow]:
    """Every policy with whether it is in force at `at` and, if not, why. Read from the
    database, not the cache: the administrator sees what the next request will see."""
    _may_administer(membership)
    return [PolicyRow(p, p.status_at(at)) for p in Policy.objects.order_by("starts_at", "name")]


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    kind: str
    by: str
    organisation: str
    changes: list[FieldChange]
    reason: str


@dataclass(frozen=True)
class PolicyPage:
    policy: Policy
    status: Policy.Status
    period_status: Policy.Status  # as if switched on: not started, ended or in force
    history: list[HistoryRow]


# The fields a history row may hold, in the order they are shown.
_FIELD_LABELS = {
    "name": _("Name"),
    "on": _("On or off"),
    "starts_at": _("In force from"),
    "ends_at": _("In force until"),
    "condition": _("Condition"),
}


def _shown(field: str, value: Any) -> str:
    if field == "on":
        return str(_("on") if value else _("off"))
    if field in ("starts_at", "ends_at"):
        if not value:
            return str(_("no end"))
        return day_month_time(dt.datetime.fromisoformat(value))
    if field == "condition":
        return str(Policy.Condition(value).label)
    return str(value)


def _history_row(change: PolicyChange) -> HistoryRow:
    fields = [f for f in _FIELD_LABELS if f in change.after or f in change.before]
    return HistoryRow(
        at=change.changed_at,
        kind=change.get_kind_display(),
        by=change.changed_by_name or change.changed_by_username,
        organisation=change.organisation_name,
        changes=[
            FieldChange(
                label=str(_FIELD_LABELS[f]),
                before=_shown(f, change.before[f]) if f in change.before else "",
                after=_shown(f, change.after.get(f)),
            )
            for f in fields
        ],
        reason=change.reason,
    )


def policy_page(*, membership: Membership, policy_id: int, at: dt.datetime) -> PolicyPage | None:
    """One policy, its status at `at` and its history, newest first; None if there is none."""
    _may_administer(membership)
    policy = Policy.objects.filter(pk=policy_id).first()
    if policy is None:
        return None
    changes = PolicyChange.objects.filter(policy=policy).order_by("-changed_at", "-id")
    return PolicyPage(
        policy,
        policy.status_at(at),
        policy.period_status_at(at),
        [_history_row(c) for c in changes],
    )
