"""Finding one patient: exact BSN + birth date, never a list, every search logged."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import MisuseAlert
from consent.models import Decision, Scope
from consent.selectors import registered_from
from portal.models import Membership, Organisation, User
from triage import sql
from triage.models import Encounter


class Found(StrEnum):
    PATIENT = "patient"
    NOBODY = "nobody"  # no patient with this BSN and birth date
    # The patient with this BSN and birth date registered a refusal: nothing to show, say
    # so. Only when both match: for a BSN alone, a refusal is answered as NOBODY.
    REFUSED = "refused"


@dataclass(frozen=True)
class SearchResult:
    found: Found
    encounter: Encounter | None = None


class SearchThrottled(Exception):  # noqa: N818
    """Too many different patients, or too many searches that found nobody, in the last
    hour: answered 429, and an alert raised. `kind` names the rule, `count` what it counted."""

    def __init__(self, kind: MisuseAlert.Kind, count: int) -> None:
        super().__init__(kind, count)
        self.kind, self.count = kind, count


def requester_scope(membership: Membership) -> Scope:
    return Scope.SEH if membership.organisation.kind == Organisation.Kind.SEH else Scope.HAP


@dataclass(frozen=True)
class _Facts:
    recent_patients: int  # different patients this user searched in the last hour
    seen_recently: bool  # this BSN among them
    failed_recently: int  # this user's searches that found nobody in the last hour
    registered: Decision
    summary_id: int | None  # of the summary with this BSN and birth date; only the id
    birth_date_registered: bool  # a registration of this BSN was made with this birth date


def _lock_user(user_id: int) -> None:
    """One search at a time per user (a double click, two tabs, or a script sending many):
    each counts the searches before it, ends the open encounter and opens the next. A lock
    of its own, before the reads: a statement that waits for a row lock keeps the snapshot
    it started with, and would not see the searches it waited for. NO KEY UPDATE: other
    rows may still refer to the user meanwhile. SQLite has no row locks; its BEGIN
    IMMEDIATE already serialises writers."""
    if connection.features.has_select_for_update:
        list(User.objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk"))


def _facts(membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime) -> _Facts:
    recent, seen, failed, decision, summary_id, birth_date_registered = sql.search_facts(
        user_id=membership.user_id,
        bsn=bsn,
        birth_date=birth_date,
        scope=requester_scope(membership),
        since=now - dt.timedelta(hours=1),
    )
    return _Facts(
        recent_patients=recent,
        seen_recently=seen > 0,
        failed_recently=failed,
        registered=registered_from(decision),
        summary_id=summary_id,
        birth_date_registered=bool(birth_date_registered),
    )


def _found(facts: _Facts) -> Found:
    """What the search may say. Anything about a patient — that they refused, too — only
    to someone who gave a BSN and the birth date that goes with it (the summary's, or the
    one a registration was made with): for a BSN alone, a refusal is answered exactly as
    nobody found, or the BSN would tell it. A refusing patient is never opened."""
    matched = facts.summary_id is not None or facts.birth_date_registered
    if facts.registered is Decision.REFUSAL:
        return Found.REFUSED if matched else Found.NOBODY
    return Found.NOBODY if facts.summary_id is None else Found.PATIENT


def _limit_reached(facts: _Facts) -> SearchThrottled | None:
    """Guessing a birth date (or a BSN) fails most of the time: after
    TRIAGE_FAILED_SEARCHES_PER_HOUR searches that found nobody, no search at all, or the
    next guess could still open the patient. And no more than TRIAGE_PATIENTS_PER_HOUR
    different patients (one searched before this hour is not counted again)."""
    if facts.failed_recently >= settings.TRIAGE_FAILED_SEARCHES_PER_HOUR:
        return SearchThrottled(MisuseAlert.Kind.FAILED_SEARCHES, facts.failed_recently)
    if not facts.seen_recently and facts.recent_patients >= settings.TRIAGE_PATIENTS_PER_HOUR:
        return SearchThrottled(MisuseAlert.Kind.SEARCH_VOLUME, facts.recent_patients)
    return None


# Per rule: the reason in the ledger, the name of what it counts, and the setting of its limit.
_RULES = {
    MisuseAlert.Kind.SEARCH_VOLUME: (
        "search volume",
        "patients_last_hour",
        "TRIAGE_PATIENTS_PER_HOUR",
    ),
    MisuseAlert.Kind.FAILED_SEARCHES: (
        "failed searches",
        "failed_searches_last_hour",
        "TRIAGE_FAILED_SEARCHES_PER_HOUR",
    ),
}


def _refuse(actor: Actor, bsn: str, throttled: SearchThrottled, now: dt.datetime) -> None:
    """The refused search is logged, and counted on the user's open alert for the rule."""
    reason, counted, limit = _RULES[throttled.kind]
    misuse_alert_raise(
        kind=throttled.kind,
        actor=actor,
        detail={counted: throttled.count, "limit": getattr(settings, limit)},
        now=now,
    )
    events.access_denied(
        actor=actor, reason=reason, patient_bsn=bsn, counts={counted: throttled.count}
    )


def encounters_end(*, user, reason: Encounter.Ended, now: dt.datetime) -> int:
    """End the user's open encounter (there is at most one)."""
    return Encounter.objects.filter(user=user, ended_at__isnull=True).update(
        ended_at=now, ended_reason=reason
    )


def patient_search(
    *, membership: Membership, bsn: str, birth_date: dt.date, now: dt.datetime
) -> SearchResult:
    """Exactly one patient or none. Opening a patient closes the previous one."""
    actor = Actor.for_membership(membership)
    with transaction.atomic():
        _lock_user(membership.user_id)
        facts = _facts(membership, bsn, birth_date, now)
        throttled = _limit_reached(facts)
        if throttled is None:
            return _search(membership, actor, bsn, birth_date, facts, now)
        _refuse(actor, bsn, throttled, now)
    raise throttled  # after the commit: the alert and the refusal's event are kept


def _search(
    membership: Membership,
    actor: Actor,
    bsn: str,
    birth_date: dt.date,
    facts: _Facts,
    now: dt.datetime,
) -> SearchResult:
    """Inside patient_search's transaction, with the user's row locked."""
    found = _found(facts)
    if found is not Found.PATIENT:
        events.patient_searched(
            actor=actor,
            patient_bsn=bsn,
            found=found,
            registered_refusal=found is Found.REFUSED,
        )
        return SearchResult(found)
    # Opening a patient closes the previous one (one open encounter per user: a constraint).
    encounters_end(user=membership.user, reason=Encounter.Ended.NEXT_PATIENT, now=now)
    encounter = Encounter.objects.create(
        public_id=uuid.uuid4(),
        user=membership.user,
        membership=membership,
        patient_bsn=bsn,
        patient_birth_date=birth_date,
        summary_id=facts.summary_id,
        started_at=now,
        expires_at=now + dt.timedelta(minutes=settings.TRIAGE_ENCOUNTER_MINUTES),
    )
    events.patient_searched(
        actor=actor, patient_bsn=bsn, found=Found.PATIENT, encounter=encounter.public_id
    )
    return SearchResult(Found.PATIENT, encounter)
