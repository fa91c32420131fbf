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


@dataclass(frozen=True)
class _Facts:
    recent_patients: int  # different patients this user searched in the last hour
    seen_recently: bool  # this BSN among them
    registered: Registered
    summary_id: int | None  # only the id, nothing of the content


# Everything a search decides on, in one statement: the throttle count over the user's own
# recent searches (index audit_event_user_time), whether this BSN is among them, the
# patient's registered decision and the summary id. Read after the user's row lock is held
# (_lock_user), so that it sees every search that went before.
_FACTS_SQL = (
    "SELECT "  # noqa: S608 (our SQL only)
    '(SELECT count(DISTINCT a."patient_bsn") FROM "audit_accessevent" a '
    ' WHERE a."user_username" = u."username" AND a."occurred_at" >= %s '
    ' AND a."event_type" = %s AND a."patient_bsn" <> \'\'), '
    '(SELECT count(*) FROM "audit_accessevent" a '
    ' WHERE a."user_username" = u."username" AND a."occurred_at" >= %s '
    ' AND a."event_type" = %s AND a."patient_bsn" = %s), '
    f"{current_decision_sql('%s')}, "
    '(SELECT s."id" FROM "summaries_summary" s WHERE s."bsn" = %s AND s."birth_date" = %s) '
    'FROM "portal_user" u WHERE u."id" = %s'
)


def _lock_user(user_id: int) -> None:
    """One search at a time per user (a double click, two tabs, or a script sending many):
    each counts the searches before it, ends the open encounter and opens the next. A lock
    of its own, before the reads: a statement that waits for a row lock keeps the snapshot
    it started with, and would not see the searches it waited for. NO KEY UPDATE: other
    rows may still refer to the user meanwhile. SQLite has no row locks; its BEGIN
    IMMEDIATE already serialises writers."""
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT 1 FROM "portal_user" WHERE "id" = %s FOR NO KEY UPDATE', [user_id]
            )


def _facts(membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime) -> _Facts:
    hour_ago = rows.param(AccessEvent, "occurred_at", now - dt.timedelta(hours=1))
    recent, seen, decision, summary_id = rows.fetch_one(
        _FACTS_SQL,
        [
            hour_ago,
            EventType.PATIENT_SEARCH,
            hour_ago,
            EventType.PATIENT_SEARCH,
            bsn,
            bsn,
            *current_decision_params(requester_scope(membership)),
            bsn,
            rows.param(Summary, "birth_date", birth_date),
            membership.user_id,
        ],
    )
    registered = registered_from(decision)
    return _Facts(
        recent_patients=recent,
        seen_recently=seen > 0,
        registered=registered,
        summary_id=None if registered is Registered.REFUSAL else summary_id,
    )


def _over_the_limit(facts: _Facts) -> bool:
    return not facts.seen_recently and facts.recent_patients >= settings.TRIAGE_PATIENTS_PER_HOUR


def _raise_misuse_alert(actor: Actor, bsn: str, count: int, now: dt.datetime) -> None:
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


_ENCOUNTERS_END_SQL = (
    'UPDATE "consent_encounter" SET "ended_at" = %s, "ended_reason" = %s '
    'WHERE "user_id" = %s AND "ended_at" IS NULL'
)


def _encounters_end_statement(user, now: dt.datetime, reason=Encounter.Ended.NEXT_PATIENT):
    return _ENCOUNTERS_END_SQL, [rows.param(Encounter, "ended_at", now), reason, user.pk]


def encounters_end(*, user, reason: Encounter.Ended, now: dt.datetime) -> int:
    """End the user's open encounter (there is at most one)."""
    with connection.cursor() as cursor:
        cursor.execute(*_encounters_end_statement(user, now, reason))
        return cursor.rowcount


def patient_search(
    *, membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime
) -> SearchResult:
    """Exactly one patient or none. Opening a patient closes the previous one."""
    actor = Actor.for_membership(membership)
    with transaction.atomic():
        _lock_user(membership.user_id)
        facts = _facts(membership, bsn, birth_date, now)
        if not _over_the_limit(facts):
            return _search(membership, actor, bsn, facts, now)
        _raise_misuse_alert(actor, bsn, facts.recent_patients, now)
    raise SearchThrottled(facts.recent_patients)  # after the commit: the alert is kept


def _search(
    membership: Membership, actor: Actor, bsn: str, facts: _Facts, now: dt.datetime
) -> SearchResult:
    """Inside patient_search's transaction, with the user's row locked."""
    registered, summary_id = facts.registered, facts.summary_id
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
    encounter = Encounter(
        public_id=uuid.uuid4(),
        user=membership.user,
        membership=membership,
        patient_bsn=bsn,
        summary_id=summary_id,
        started_at=now,
        expires_at=now + dt.timedelta(minutes=settings.TRIAGE_ENCOUNTER_MINUTES),
    )
    # Opening a patient closes the previous one: in the same statement (one round trip).
    rows.insert(encounter, first=_encounters_end_statement(membership.user, now))
    access_event_record(
        event_type=EventType.PATIENT_SEARCH,
        action=Action.EXECUTE,
        actor=actor,
        patient_bsn=bsn,
        purpose_of_use=Purpose.TREATMENT,
        detail={"found": Found.PATIENT, "encounter": str(encounter.public_id)},
    )
    return SearchResult(Found.PATIENT, encounter)
