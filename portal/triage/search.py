"""Finding one patient: exact BSN + birth date, never a list, every search logged."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import transaction

from audit.actors import Actor
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose
from audit.services import access_event_record
from consent.decision import Registered
from consent.models import Encounter, MisuseAlert, Scope
from consent.selectors import registered_state
from portal.models import Membership, Organisation, User
from summaries.models import Summary


class Found(StrEnum):
    PATIENT = "patient"
    NOBODY = "nobody"  # no patient with this BSN and birth date
    REFUSED = "refused"  # the patient registered a refusal: nothing to show, say so


@dataclass(frozen=True)
class SearchResult:
    found: Found
    encounter: Encounter | None = None


class SearchThrottled(Exception):  # noqa: N818
    """Too many different patients in the last hour: answered 429, and an alert raised."""


def requester_scope(membership: Membership) -> Scope:
    return Scope.SEH if membership.organisation.kind == Organisation.Kind.SEH else Scope.HAP


def _distinct_patients_last_hour(username: str, now: dt.datetime) -> set[str]:
    return set(
        AccessEvent.objects.filter(
            event_type=EventType.PATIENT_SEARCH,
            user_username=username,
            occurred_at__gte=now - dt.timedelta(hours=1),
        )
        .exclude(patient_bsn="")
        .values_list("patient_bsn", flat=True)
        .distinct()
    )


def _throttle(membership: Membership, actor: Actor, bsn: str, now: dt.datetime) -> None:
    seen = _distinct_patients_last_hour(actor.username, now)
    if bsn in seen or len(seen) < settings.TRIAGE_PATIENTS_PER_HOUR:
        return
    with transaction.atomic():
        MisuseAlert.objects.create(
            kind=MisuseAlert.Kind.SEARCH_VOLUME,
            created_at=now,
            username=actor.username,
            user_name=actor.name,
            organisation_ura=actor.organisation_ura,
            organisation_name=actor.organisation_name,
            detail={"patients_last_hour": len(seen), "limit": settings.TRIAGE_PATIENTS_PER_HOUR},
        )
        access_event_record(
            event_type=EventType.ACCESS_DENIED,
            action=Action.EXECUTE,
            outcome=Outcome.MINOR_FAILURE,
            actor=actor,
            patient_bsn=bsn,
            detail={"reason": "search volume", "patients_last_hour": len(seen)},
        )
    raise SearchThrottled(len(seen))


@transaction.atomic
def encounters_end(*, user, reason: Encounter.Ended, now: dt.datetime) -> int:
    return Encounter.objects.filter(user=user, ended_at__isnull=True).update(
        ended_at=now, ended_reason=reason
    )


def patient_search(
    *, membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime
) -> SearchResult:
    """Exactly one patient or none. Opening a patient closes the previous one."""
    actor = Actor.for_membership(membership)
    _throttle(membership, actor, bsn, now)
    with transaction.atomic():
        # One search at a time per user (a double click, two tabs): each ends the
        # open encounter and opens the next, so they must not overlap.
        User.objects.select_for_update().filter(pk=membership.user_id).values_list("pk").get()
        registered = registered_state(patient_bsn=bsn, requester_scope=requester_scope(membership))
        summary = (
            Summary.objects.filter(bsn=bsn, birth_date=birth_date).only("id", "bsn").first()
            if registered is not Registered.REFUSAL
            else None
        )
        if registered is Registered.REFUSAL or summary is None:
            found = Found.REFUSED if registered is Registered.REFUSAL else Found.NOBODY
            access_event_record(
                event_type=EventType.PATIENT_SEARCH,
                action=Action.EXECUTE,
                outcome=Outcome.MINOR_FAILURE,
                actor=actor,
                patient_bsn=bsn,
                consent_basis=ConsentBasis.REGISTERED_REFUSAL
                if found is Found.REFUSED
                else ConsentBasis.NONE,
                detail={"found": found},
            )
            return SearchResult(found)
        encounters_end(user=membership.user, reason=Encounter.Ended.NEXT_PATIENT, now=now)
        encounter = Encounter.objects.create(
            public_id=uuid.uuid4(),
            user=membership.user,
            membership=membership,
            patient_bsn=bsn,
            summary=summary,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=settings.TRIAGE_ENCOUNTER_MINUTES),
        )
        access_event_record(
            event_type=EventType.PATIENT_SEARCH,
            action=Action.EXECUTE,
            actor=actor,
            patient_bsn=bsn,
            purpose_of_use=Purpose.TREATMENT,
            detail={"found": Found.PATIENT, "encounter": str(encounter.public_id)},
        )
        return SearchResult(Found.PATIENT, encounter)
