"""Writes of the consent registry and the policies; each is an event in the ledger."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.identifiers import validate_bsn
from consent.models import ConsentRegistration, Decision, Policy, Scope, Source
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


@transaction.atomic
def policy_switch(*, policy: Policy, on: bool, actor: Actor, reason: str) -> Policy:
    """The "stop button" (and its opposite), with the reason, in the ledger."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    policy.is_on = on
    policy.save(update_fields=["is_on"])
    transaction.on_commit(policies_changed)
    events.policy_switched(actor=actor, policy=policy.name, on=on, reason=reason)
    return policy
