"""Recording the patient's answer at the point of care, once per encounter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from audit.models import EventType
from consent.decision import Answer, PointOfCare, PolicyState, decide
from consent.models import Decision, Scope, Source
from consent.selectors import policies_at, registered_from, registered_state
from portal.access import Refusal
from portal.models import Membership
from registry.services import choice_register
from summaries.models import Summary
from summaries.services.store_lock import store_lock_exclusive
from triage.models import Encounter, PointOfCareConsent
from triage.search import requester_scope
from triage.sql import encounter_row

EVENT_FOR_ANSWER = {
    Answer.AGREES: EventType.CONSENT_RECORDED,
    Answer.REFUSES: EventType.CONSENT_REFUSED,
    Answer.CANNOT_CONSENT: EventType.EMERGENCY_ACCESS,
}


@dataclass(frozen=True)
class OpenEncounter:
    """The user's open encounter and what its pages decide on, read in one statement."""

    encounter: Encounter
    answer: PointOfCareConsent | None  # what the patient said here; None: not asked yet
    registered: Decision  # the registry's answer for this membership's scope


def open_encounter(*, membership: Membership, public_id, now: dt.datetime) -> OpenEncounter:
    """The user's own, open, unexpired encounter, or PermissionDenied; with the patient's
    answer here and what the registry holds for them (the consent decision's inputs)."""
    row = encounter_row(  # one statement: docs/performance.md, "Lookup"
        public_id=public_id,
        user_id=membership.user_id,
        membership_id=membership.pk,
        scope=requester_scope(membership),
    )
    if row is None:
        raise _refused(
            membership,
            public_id,
            "no open encounter of yours with this patient",
            _("This patient is not open for you. Search for the patient to open them."),
        )
    encounter, answer, registered = row
    if encounter.ended_at is not None:
        raise _refused(
            membership,
            public_id,
            "this encounter has ended: search again",
            _(
                "You closed this patient (by opening another patient or by logging out). "
                "Search again to open them."
            ),
            encounter.patient_bsn,
        )
    if encounter.expires_at <= now:
        Encounter.objects.filter(pk=encounter.pk).update(
            ended_at=now, ended_reason=Encounter.Ended.EXPIRED
        )
        raise _refused(
            membership,
            public_id,
            "the time for this patient is up: search again",
            _("The time for this patient is up. Search again to open them."),
            encounter.patient_bsn,
        )
    return OpenEncounter(encounter, answer, registered_from(registered))


def _refused(
    membership: Membership, public_id, reason: str, message: str, patient_bsn: str = ""
) -> Refusal:
    """An attempt on an encounter that is not (or no longer) the user's to use — an old
    link, another user's, a guess — is itself an access event: misuse is looked for there.
    `reason` goes to the ledger; `message` to the user."""
    events.access_denied(
        actor=Actor.for_membership(membership),
        reason=reason,
        patient_bsn=patient_bsn,
        encounter=public_id,
    )
    return Refusal(message)


def _emergency_access_allowed(
    membership: Membership, encounter: Encounter, indications: list[str] | None, now
) -> bool:
    """Whether the consent decision allows emergency access for this patient now: for a
    blank patient only a policy in force whose condition is met does. Asked here so that the
    ledger says "emergency access: refused" rather than "succeeded" when it cannot be."""
    decision = decide(
        registered=registered_state(
            patient_bsn=encounter.patient_bsn, requester_scope=requester_scope(membership)
        ),
        policies=policies_at(now),
        point_of_care=PointOfCare(Answer.CANNOT_CONSENT, frozenset(indications or [])),
    )
    return decision.allowed


@dataclass(frozen=True)
class ConsentPage:
    """What the nurse sees before asking: who the patient is and what is registered."""

    patient_name: str  # from the summary the search matched; only the name
    age: int | None
    registered: Decision  # for this membership's scope
    policies: list[PolicyState]  # in force now: a blank patient's summary depends on them

    @property
    def asks_suspected_covid(self) -> bool:
        return any(p.condition == "suspected_covid" for p in self.policies)


def consent_page_for(*, opened: OpenEncounter, now: dt.datetime) -> ConsentPage:
    """The consent page's facts. The name only — the summary's contents stay behind the
    consent decision; the search that found the patient is already in the ledger."""
    encounter = opened.encounter
    name = (
        Summary.objects.filter(pk=encounter.summary_id, bsn=encounter.patient_bsn)
        .values_list("sections__patient__name", flat=True)
        .first()
    )
    return ConsentPage(
        patient_name=name if isinstance(name, str) else "",
        age=_age(encounter.patient_birth_date, timezone.localdate(now)),
        registered=opened.registered,
        policies=[p for p in policies_at(now) if p.in_force],
    )


def _age(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@transaction.atomic
def point_of_care_record(
    *,
    membership: Membership,
    encounter: Encounter,
    answer: Answer,
    now: dt.datetime,
    by_representative: bool = False,
    representative: str = "",
    indications: list[str] | None = None,
    emergency_reason: str = "",
    emergency_text: str = "",
    register_lasting: bool = False,
) -> PointOfCareConsent:
    """Record the answer; a second answer for the same encounter (a replayed or forged
    POST) is refused. Emergency access shortens the grant to EMERGENCY_ACCESS_MINUTES."""
    if answer == Answer.CANNOT_CONSENT and not emergency_reason:
        raise ValidationError({"emergency_reason": "a coded reason is required"})
    if by_representative and not representative.strip():
        raise ValidationError({"representative": "say who answered for the patient"})
    actor = Actor.for_membership(membership)
    refusing = register_lasting and answer == Answer.REFUSES
    if refusing:
        # The purge below takes the store lock; the ledger events before it take the
        # ledger's. Store lock first, as everywhere: no deadlock, and the ledger is not held
        # while this waits for a page being stored (summaries.services.store_lock).
        store_lock_exclusive()
    try:
        with transaction.atomic():
            consent = PointOfCareConsent.objects.create(
                encounter=encounter,
                answer=answer,
                by_representative=by_representative,
                representative=representative[:200] if by_representative else "",
                indications=sorted(indications or []),
                emergency_reason=emergency_reason,
                emergency_text=emergency_text[:500],
                register_lasting=register_lasting,
                recorded_at=now,
            )
    except IntegrityError as exc:
        raise PermissionDenied("this patient's answer was recorded already") from exc
    emergency_refused = False
    if answer == Answer.CANNOT_CONSENT:
        emergency_refused = not _emergency_access_allowed(membership, encounter, indications, now)
        limit = now + dt.timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES)
        Encounter.objects.filter(pk=encounter.pk, expires_at__gt=limit).update(expires_at=limit)
    events.point_of_care_answered(
        actor=actor,
        patient_bsn=encounter.patient_bsn,
        event_type=EVENT_FOR_ANSWER[answer],
        encounter=encounter.public_id,
        by_representative=by_representative,
        representative=representative,
        indications=list(indications or []),
        emergency_reason=emergency_reason,
        register_lasting=register_lasting,
        refused=emergency_refused,
    )
    if register_lasting and answer != Answer.CANNOT_CONSENT:
        # With its effects: a refusal purges the summary (registry.services).
        choice_register(
            patient_bsn=encounter.patient_bsn,
            scope=Scope.BOTH,
            decision=Decision.CONSENT if answer == Answer.AGREES else Decision.REFUSAL,
            source=Source.ON_THE_SPOT,
            actor=actor,
            by_representative=by_representative,
            at=now,
            # The search matched it: after a refusal's purge, only the registration has it.
            patient_birth_date=encounter.patient_birth_date,
        )
    return consent
