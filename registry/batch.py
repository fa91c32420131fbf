"""Registering many choices at once, with their effects: what registry.services.choice_register
does for one choice, for a GP practice's batch (the API, docs/api.md) in a few statements.

Per choice the effects are the same: a registration that succeeds the current one for its
patient and scope, its consent_registered event, and for a refusal the purge of the
patient's summary (one summary_purged event per patient), for consent or a withdrawal a
request to fetch the summary again. Per batch the costs are not: one query locks the
current registrations, one insert writes the registrations, the ledger takes its lock and
reads its head once (audit.services.access_events_batched), the store lock is taken once.

The order of the locks is the one of choice_register: the store lock (for refusals), then
the registrations' rows, then the ledger's lock, which is taken last, just before the
commit, so that every other writer of the ledger waits as briefly as it can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.bulk import collection_paused, instances_new, rows_insert
from audit.identifiers import validate_bsn
from audit.services import access_events_batched
from consent.models import ConsentRegistration, Decision, Scope, Source
from summaries.services.purge import summaries_purge
from summaries.services.refetch import refetch_request
from summaries.services.store_lock import store_lock_exclusive

# Why a summary was purged, in the ledger: the same texts as registry.services.
PURGE_REASONS = {
    Source.GP_PRACTICE: "refusal registered by the GP practice",
    Source.ON_THE_SPOT: "refusal on the spot",
    Source.PATIENT: "refusal registered by the patient",
}


@dataclass(frozen=True)
class Choice:
    """One patient's choice for one scope, as choice_register takes it."""

    patient_bsn: str
    scope: Scope
    decision: Decision
    by_representative: bool = False
    note: str = ""
    at: dt.datetime | None = None  # when it was made; now if not given
    patient_birth_date: dt.date | None = None


@transaction.atomic
@collection_paused()
def choices_register(
    *, choices: Sequence[Choice], source: Source, actor: Actor
) -> list[ConsentRegistration]:
    """Append a registration for each choice, in order, and carry out what they mean for
    the stored summaries, all in one transaction (the caller's, if there is one).

    A patient and scope may appear once: two choices for the same history in one call
    would have to succeed each other, which one statement cannot do (ValueError). A BSN
    that fails the 11-test raises ValidationError, as consent_register does. Which
    patients the actor may register for is the caller's check (registry.api)."""
    if not choices:
        return []
    for choice in choices:
        validate_bsn(choice.patient_bsn)
    pairs = [(choice.patient_bsn, Scope(choice.scope).value) for choice in choices]
    if len(set(pairs)) != len(pairs):
        raise ValueError("a patient and scope may appear only once in a batch")
    refusing = sorted({c.patient_bsn for c in choices if c.decision == Decision.REFUSAL})
    if refusing:
        # Before the ledger's lock, as in choice_register (summaries.services.store_lock).
        store_lock_exclusive()

    current = _lock_current(pairs)
    now = timezone.now()
    # The values each registration shares with the others, and its own; instances made as
    # ConsentRegistration(**values) makes them, without its per-field work (audit.bulk).
    shared = {
        "source": Source(source).value,
        "registered_by_username": actor.username,
        "registered_by_name": actor.name,
        "registered_by_uzi": actor.uzi_number,
        "organisation_ura": actor.organisation_ura,
        "organisation_agb": actor.organisation_agb,
        "organisation_name": actor.organisation_name,
    }
    registrations = instances_new(
        ConsentRegistration,
        (
            {
                **shared,
                "patient_bsn": bsn,
                "patient_birth_date": choice.patient_birth_date,
                "scope": scope,
                "decision": Decision(choice.decision).value,
                "previous_id": current.get((bsn, scope)),
                "registered_at": choice.at or now,
                "by_representative": choice.by_representative,
                "note": choice.note,
            }
            for choice, (bsn, scope) in zip(choices, pairs, strict=True)
        ),
    )
    # One COPY (audit.bulk): bulk_create spent most of a 5,000-row batch preparing values.
    rows_insert(ConsentRegistration, registrations)
    # Every choice's BSN passed validate_bsn above: their events need not check it again.
    with access_events_batched(valid_bsns=(choice.patient_bsn for choice in choices)):
        for registration in registrations:
            events.consent_registered(
                actor=actor,
                patient_bsn=registration.patient_bsn,
                scope=registration.scope,
                decision=registration.decision,
                source=source,
                by_representative=registration.by_representative,
                registration_id=registration.pk,
            )
        if refusing:
            # A refusing patient's summary is not kept (DOMAIN: the rules), in any scope.
            summaries_purge(bsns=refusing, actor=actor, reason=PURGE_REASONS[Source(source)])
        # A summary that was not kept may be kept now: the next pull fetches it again.
        refetch_request(sorted({c.patient_bsn for c in choices if c.decision != Decision.REFUSAL}))
    return registrations


def _lock_current(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The current registration of each (patient, scope), locked (in id order, so two
    batches lock shared rows in the same order and do not deadlock): the id each new
    registration succeeds. Rows of the same patients' other scopes are locked too; they
    are few and the lock is held only until the commit."""
    wanted = set(pairs)
    rows = (
        ConsentRegistration.objects.select_for_update(of=("self",))
        .filter(patient_bsn__any_of={bsn for bsn, _scope in pairs}, successor__isnull=True)
        .order_by("id")
        .values_list("id", "patient_bsn", "scope")
    )
    return {(bsn, scope): pk for pk, bsn, scope in rows if (bsn, scope) in wanted}
