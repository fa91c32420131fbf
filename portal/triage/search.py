"""Finding one patient: exact BSN + birth date, never a list, every search logged."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction

from audit.actors import Actor
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose
from audit.services import access_event_record
from consent.decision import Registered
from consent.models import Encounter, MisuseAlert, Scope
from consent.selectors import current_decision_params, current_decision_sql, registered_from
from portal import rows
from portal.models import Membership, Organisation
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


# How many different patients the user searched in the last hour, and whether this BSN
# was one of them: one aggregate over the user's own recent searches (index
# audit_event_user_time), asked before every search.
_RECENT_PATIENTS_SQL = (
    'SELECT count(DISTINCT "patient_bsn"), '
    'coalesce(max(CASE WHEN "patient_bsn" = %s THEN 1 ELSE 0 END), 0) '
    'FROM "audit_accessevent" WHERE "user_username" = %s AND "occurred_at" >= %s '
    'AND "event_type" = %s AND "patient_bsn" <> \'\''
)


def _recent_patients(username: str, bsn: str, now: dt.datetime) -> tuple[int, bool]:
    count, seen = rows.fetch_one(
        _RECENT_PATIENTS_SQL,
        [
            bsn,
            username,
            rows.param(AccessEvent, "occurred_at", now - dt.timedelta(hours=1)),
            EventType.PATIENT_SEARCH,
        ],
    )
    return count, bool(seen)


def _throttle(membership: Membership, actor: Actor, bsn: str, now: dt.datetime) -> None:
    count, seen = _recent_patients(actor.username, bsn, now)
    if seen or count < settings.TRIAGE_PATIENTS_PER_HOUR:
        return
    with transaction.atomic():
        MisuseAlert.objects.create(
            kind=MisuseAlert.Kind.SEARCH_VOLUME,
            created_at=now,
            username=actor.username,
            user_name=actor.name,
            organisation_ura=actor.organisation_ura,
            organisation_name=actor.organisation_name,
            detail={"patients_last_hour": count, "limit": settings.TRIAGE_PATIENTS_PER_HOUR},
        )
        access_event_record(
            event_type=EventType.ACCESS_DENIED,
            action=Action.EXECUTE,
            outcome=Outcome.MINOR_FAILURE,
            actor=actor,
            patient_bsn=bsn,
            detail={"reason": "search volume", "patients_last_hour": count},
        )
    raise SearchThrottled(count)


_ENCOUNTERS_END_SQL = (
    'UPDATE "consent_encounter" SET "ended_at" = %s, "ended_reason" = %s '
    'WHERE "user_id" = %s AND "ended_at" IS NULL'
)


def encounters_end(*, user, reason: Encounter.Ended, now: dt.datetime) -> int:
    """End the user's open encounter (there is at most one); on every search."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ENCOUNTERS_END_SQL, [rows.param(Encounter, "ended_at", now), reason, user.pk]
        )
        return cursor.rowcount


def _lock_user(user_id: int) -> None:
    if connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE already serialises
        with connection.cursor() as cursor:
            cursor.execute('SELECT 1 FROM "portal_user" WHERE "id" = %s FOR UPDATE', [user_id])


# The patient's registered decision and the id of their summary (nothing of its content),
# in one round trip.
_REGISTERED_AND_SUMMARY_SQL = (
    f"SELECT {current_decision_sql('%s')}, "  # noqa: S608 (our SQL only)
    '(SELECT s."id" FROM "summaries_summary" s WHERE s."bsn" = %s AND s."birth_date" = %s)'
)


def _registered_and_summary(
    membership: Membership, bsn: str, birth_date: dt.date
) -> tuple[Registered, int | None]:
    decision, summary_id = rows.fetch_one(
        _REGISTERED_AND_SUMMARY_SQL,
        [
            bsn,
            *current_decision_params(requester_scope(membership)),
            bsn,
            rows.param(Summary, "birth_date", birth_date),
        ],
    )
    registered = registered_from(decision)
    return registered, None if registered is Registered.REFUSAL else summary_id


def patient_search(
    *, membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime
) -> SearchResult:
    """Exactly one patient or none. Opening a patient closes the previous one."""
    actor = Actor.for_membership(membership)
    _throttle(membership, actor, bsn, now)
    with transaction.atomic():
        # One search at a time per user (a double click, two tabs): each ends the
        # open encounter and opens the next, so they must not overlap.
        _lock_user(membership.user_id)
        registered, summary_id = _registered_and_summary(membership, bsn, birth_date)
        if registered is Registered.REFUSAL or summary_id is None:
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
        encounter = Encounter(
            public_id=uuid.uuid4(),
            user=membership.user,
            membership=membership,
            patient_bsn=bsn,
            summary_id=summary_id,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=settings.TRIAGE_ENCOUNTER_MINUTES),
        )
        rows.insert(encounter)
        access_event_record(
            event_type=EventType.PATIENT_SEARCH,
            action=Action.EXECUTE,
            actor=actor,
            patient_bsn=bsn,
            purpose_of_use=Purpose.TREATMENT,
            detail={"found": Found.PATIENT, "encounter": str(encounter.public_id)},
        )
        return SearchResult(Found.PATIENT, encounter)
