"""Writes of the consent registry and the policies; each is an event in the ledger."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.actors import Actor
from audit.identifiers import validate_bsn
from consent.models import ConsentRegistration, Decision, Policy, PolicyChange, Scope, Source
from consent.selectors import policies_changed


@transaction.atomic
def consent_register(
    *,
    patient_bsn: str,
    scope: Scope,
    decision: Decision,
    source: Source,
    actor: Actor,
    by_representative: bool = False,
    note: str = "",
    at: dt.datetime | None = None,
    patient_birth_date: dt.date | None = None,
) -> ConsentRegistration:
    """Append a registration that succeeds the current one for this patient and scope.

    The registry's bare write, without its effects on the stored summary: every path of
    the product (GP pages, API, point of care, the patient) registers through
    registry.services.choice_register / registry.batch.choices_register instead, which
    write the same rows in bulk and carry out the purge and the refetch. Tests and the
    benchmarks use this one to set up a history.

    `patient_birth_date`, when known, is kept with it: the triage search says that a
    patient refused only to someone who gave the right BSN and birth date, and a refusal
    purges the summary that had the birth date (triage/search.py).

    The current row is locked first, so two registrations at once cannot both
    succeed it (the one-to-one `previous` would refuse the second anyway).
    """
    validate_bsn(patient_bsn)
    current = (
        ConsentRegistration.objects.select_for_update(of=("self",))
        .filter(patient_bsn=patient_bsn, scope=scope, successor__isnull=True)
        .first()
    )
    registration = ConsentRegistration.objects.create(
        patient_bsn=patient_bsn,
        patient_birth_date=patient_birth_date,
        scope=scope,
        decision=decision,
        source=source,
        previous=current,
        registered_at=at or timezone.now(),
        registered_by_username=actor.username,
        registered_by_name=actor.name,
        registered_by_uzi=actor.uzi_number,
        organisation_ura=actor.organisation_ura,
        organisation_agb=actor.organisation_agb,
        organisation_name=actor.organisation_name,
        by_representative=by_representative,
        note=note,
    )
    events.consent_registered(
        actor=actor,
        patient_bsn=patient_bsn,
        scope=scope,
        decision=decision,
        source=source,
        by_representative=by_representative,
        registration_id=registration.pk,
    )
    return registration


# --- The policies (the administrator's page; the demo) -----------------------------------------
#
# Each change is three writes in one transaction: the policy, a row of its history
# (PolicyChange, append-only) and a POLICY_CHANGED event in the ledger. After the commit the
# cached policies are dropped, so every path (page, API, task) reads the change on its very
# next request. The rules (a reason, an end after the start) are checked here, for every
# caller, before anything is written; the database holds them too.


def _reason_given(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason for this change: it is kept in the history.")},
            code="required",
        )
    return reason


def _period_valid(starts_at: dt.datetime, ends_at: dt.datetime | None) -> None:
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError(
            {"ends_at": _("“In force until” must be later than “In force from”.")},
            code="ends_before_start",
        )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _policy_change(
    *, policy: Policy, kind: PolicyChange.Kind, actor: Actor, before: dict, after: dict, reason: str
) -> PolicyChange:
    transaction.on_commit(policies_changed)
    return PolicyChange.objects.create(
        policy=policy,
        kind=kind,
        changed_at=timezone.now(),
        changed_by_username=actor.username,
        changed_by_name=actor.name,
        organisation_name=actor.organisation_name,
        before=before,
        after=after,
        reason=reason,
    )


# Held until commit by whoever creates a policy: two administrators creating "Opt-in" at
# the same moment would both find the name free, and the second would hit the unique index
# (a 500) — or, written "opt-in", get a second policy of the same name. Policies are created
# a few times a year; one at a time costs nothing. (Other keys: audit.services
# LEDGER_LOCK_KEY, summaries.services.store_lock STORE_LOCK_KEY.)
POLICY_NAMES_LOCK_KEY = 7_513_0003


def _policy_names_lock() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite (the embedded default) has one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POLICY_NAMES_LOCK_KEY])


@transaction.atomic
def policy_create(
    *,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    condition: str,
    reason: str,
    actor: Actor,
    on: bool = False,
) -> Policy:
    """A new policy for blank patients. The page creates it switched off: switching it on
    is a step of its own, with the confirmation that says what it does."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the policy a name.")}, code="required")
    _policy_names_lock()
    if Policy.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A policy with this name exists already.")}, code="unique")
    if condition not in Policy.Condition.values:
        raise ValidationError({"condition": _("Choose a condition.")}, code="invalid")
    reason = _reason_given(reason)
    _period_valid(starts_at, ends_at)
    policy = Policy.objects.create(
        name=name,
        is_on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        condition=condition,
        reason=reason,
    )
    settings = {
        "name": name,
        "on": on,
        "starts_at": _iso(starts_at),
        "ends_at": _iso(ends_at),
        "condition": condition,
    }
    change = _policy_change(
        policy=policy,
        kind=PolicyChange.Kind.CREATED,
        actor=actor,
        before={},
        after=settings,
        reason=reason,
    )
    events.policy_created(
        actor=actor, policy=name, change=change.pk, settings=settings, reason=reason
    )
    return policy


@transaction.atomic
def policy_update(
    *,
    policy: Policy,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    reason: str,
    actor: Actor,
) -> Policy:
    """Move a policy's start or end (its period); the history keeps what they were."""
    reason = _reason_given(reason)
    _period_valid(starts_at, ends_at)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before, after = {}, {}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if getattr(policy, field) != value:
            before[field], after[field] = _iso(getattr(policy, field)), _iso(value)
            setattr(policy, field, value)
    if not after:
        raise ValidationError(
            _("Nothing changed: the start and end are as they were."), code="unchanged"
        )
    policy.save(update_fields=list(after))
    change = _policy_change(
        policy=policy,
        kind=PolicyChange.Kind.PERIOD_CHANGED,
        actor=actor,
        before=before,
        after=after,
        reason=reason,
    )
    events.policy_period_changed(
        actor=actor,
        policy=policy.name,
        change=change.pk,
        before=before,
        after=after,
        reason=reason,
    )
    return policy


@transaction.atomic
def policy_switch(*, policy: Policy, on: bool, actor: Actor, reason: str) -> Policy:
    """The "stop button" (and its opposite), with the reason, in the history and the ledger.
    Switching to the state the policy is already in is refused: someone else may just have
    done it, and the history would show a change that changed nothing."""
    reason = _reason_given(reason)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_on == on:
        message = (
            _("The policy is already switched on.")
            if on
            else _("The policy is already switched off.")
        )
        raise ValidationError(message, code="unchanged")
    policy.is_on = on
    policy.save(update_fields=["is_on"])
    change = _policy_change(
        policy=policy,
        kind=PolicyChange.Kind.SWITCHED_ON if on else PolicyChange.Kind.SWITCHED_OFF,
        actor=actor,
        before={"on": not on},
        after={"on": on},
        reason=reason,
    )
    events.policy_switched(actor=actor, policy=policy.name, on=on, reason=reason, change=change.pk)
    return policy
