"""The one gate before summary data leaves the database (page, API, PDF, task)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from audit.actors import Actor
from audit.models import Action, EventType, Outcome, Purpose
from audit.services import access_event_record
from consent.decision import Answer, ConsentDecision, PointOfCare, decide
from consent.decision import Outcome as DecisionOutcome
from consent.models import Encounter, PointOfCareConsent
from consent.selectors import policies_at, registered_state
from portal.models import Membership
from portal.triage.search import requester_scope
from summaries.models import Summary

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


def consent_decision_for(
    *, encounter: Encounter, membership: Membership, now: dt.datetime
) -> ConsentDecision:
    # Loaded with the encounter (open_encounter: select_related), no query of its own.
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
        registered=registered_state(
            patient_bsn=encounter.patient_bsn, requester_scope=requester_scope(membership)
        ),
        policies=policies_at(now),
        point_of_care=point_of_care,
    )


@transaction.atomic
def summary_for_view(
    *, membership: Membership, encounter: Encounter, now: dt.datetime
) -> SummaryView:
    """Decide, read, log — in one transaction, rendered only after it commits: if the view
    cannot be logged, nothing is shown. The event is written last, so the ledger's lock
    (held until commit) is held as briefly as possible."""
    actor = Actor.for_membership(membership)
    decision = consent_decision_for(encounter=encounter, membership=membership, now=now)
    detail = {"encounter": str(encounter.public_id), "reason": decision.reason}
    if not decision.allowed:
        access_event_record(
            event_type=EventType.ACCESS_DENIED,
            action=Action.READ,
            outcome=Outcome.MINOR_FAILURE,
            actor=actor,
            patient_bsn=encounter.patient_bsn,
            consent_basis=decision.basis,
            consent_policy=decision.policy,
            detail=detail,
        )
        return SummaryView(decision, None, encounter)
    summary = (
        Summary.objects.select_related("practice")
        .defer("source")
        .filter(pk=encounter.summary_id, bsn=encounter.patient_bsn)
        .first()
    )
    access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=actor,
        patient_bsn=encounter.patient_bsn,
        consent_basis=decision.basis,
        consent_policy=decision.policy,
        purpose_of_use=Purpose.EMERGENCY_TREATMENT
        if decision.outcome is DecisionOutcome.ALLOW_EMERGENCY
        else Purpose.TREATMENT,
        detail=detail,
    )
    return SummaryView(decision, summary, encounter)
