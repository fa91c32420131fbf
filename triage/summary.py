"""The one gate before summary data leaves the database (page, API, PDF, task)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from audit import events
from audit.actors import Actor
from consent.decision import (
    Answer,
    ConsentDecision,
    PointOfCare,
    PolicyState,
    Registered,
    decide,
)
from consent.decision import Outcome as DecisionOutcome
from consent.selectors import policies_at, registered_from, registered_state
from portal import rows
from portal.models import Membership
from summaries.models import GpPractice, Summary
from triage.models import Encounter, PointOfCareConsent
from triage.point_of_care import RegistryRead
from triage.search import requester_scope

ANSWERS = {
    PointOfCareConsent.Answer.AGREES: Answer.AGREES,
    PointOfCareConsent.Answer.REFUSES: Answer.REFUSES,
    PointOfCareConsent.Answer.CANNOT_CONSENT: Answer.CANNOT_CONSENT,
}


@dataclass(frozen=True)
class SummaryView:
    decision: ConsentDecision
    summary: Summary | None  # None when denied, or when no summary is available
    encounter: Encounter


class _PoliciesAt:
    """The policies at `now`, read when the decision first asks for them: it asks only for
    a patient without a registered choice (consent and refusal do not depend on policies)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __iter__(self) -> Iterator[PolicyState]:
        return iter(policies_at(self.now))


def _registered(encounter: Encounter, membership: Membership) -> Registered:
    """The registry's answer for this patient and this membership's scope: as open_encounter
    read it with the encounter (one round trip less on every page), or else read now. Never
    assumed: an encounter loaded any other way, or for another membership, is asked again."""
    read = getattr(encounter, "registry_read", None)
    if isinstance(read, RegistryRead) and read.membership_id == membership.pk:
        return registered_from(read.decision)
    return registered_state(
        patient_bsn=encounter.patient_bsn, requester_scope=requester_scope(membership)
    )


def consent_decision_for(
    *, encounter: Encounter, membership: Membership, now: dt.datetime
) -> ConsentDecision:
    # Read with the encounter by open_encounter: no query of its own.
    try:
        consent = encounter.consent
    except PointOfCareConsent.DoesNotExist:
        consent = None
    point_of_care = (
        PointOfCare(ANSWERS[consent.answer], frozenset(consent.indications))
        if consent
        else PointOfCare(Answer.NOT_ASKED)
    )
    return decide(
        registered=_registered(encounter, membership),
        policies=_PoliciesAt(now),
        point_of_care=point_of_care,
    )


# What the page shows: the typed sections and the practice, not the source bundle. Read on
# every summary page, so in SQL written once (portal/rows.py says why).
_SUMMARY_PART = (Summary, ("source",))
_PRACTICE_PART = rows.only(GpPractice, "name", "agb", "ura")
_SUMMARY_SQL = (
    f"SELECT {rows.columns(_SUMMARY_PART, 's')}, {rows.columns(_PRACTICE_PART, 'p')} "  # noqa: S608
    'FROM "summaries_summary" s JOIN "summaries_gppractice" p ON p."id" = s."practice_id" '
    'WHERE s."id" = %s AND s."bsn" = %s'
)


# On PostgreSQL the read runs in the statement that logs the view, whose snapshot predates
# its wait for the ledger's lock: summary_kept() (migration summaries/0003) looks again after
# the lock is held, so a summary purged meanwhile (a refusal registered) is not shown.
_SUMMARY_SQL_POSTGRESQL = _SUMMARY_SQL + ' AND summary_kept(s."id", s."bsn")'


def _summary_read(encounter: Encounter) -> tuple[str, list]:
    sql = _SUMMARY_SQL_POSTGRESQL if connection.vendor == "postgresql" else _SUMMARY_SQL
    return sql, [encounter.summary_id, encounter.patient_bsn]


def _summary_from(row: tuple | None) -> Summary | None:
    if row is None:
        return None  # purged since the search (a refusal registered meanwhile)
    summary, summary.practice = rows.split(row, _SUMMARY_PART, _PRACTICE_PART)
    return summary


def summary_for_view(
    *, membership: Membership, encounter: Encounter, now: dt.datetime
) -> SummaryView:
    """Decide, then log and read: the summary comes back from the statement that writes the
    event (audit.services.access_event_record_reading), so a view that cannot be logged
    shows nothing. No transaction of its own: on PostgreSQL that is one statement, and the
    ledger's lock is held only while it runs. Call it outside a transaction, as the page
    does, so that the event is committed when it returns; inside one, render only after
    that transaction commits."""
    actor = Actor.for_membership(membership)
    decision = consent_decision_for(encounter=encounter, membership=membership, now=now)
    if not decision.allowed:
        events.access_denied(
            actor=actor,
            reason=decision.reason,
            patient_bsn=encounter.patient_bsn,
            encounter=encounter.public_id,
            reading=True,
            consent_basis=decision.basis,
            consent_policy=decision.policy,
        )
        return SummaryView(decision, None, encounter)
    # Read by the statement that logs the view (audit.services): no summary without its event.
    row = events.summary_viewed(
        actor=actor,
        patient_bsn=encounter.patient_bsn,
        encounter=encounter.public_id,
        reason=decision.reason,
        consent_basis=decision.basis,
        consent_policy=decision.policy,
        emergency=decision.outcome is DecisionOutcome.ALLOW_EMERGENCY,
        read=_summary_read(encounter),
    )
    return SummaryView(decision, _summary_from(row), encounter)
