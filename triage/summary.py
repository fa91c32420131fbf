"""The one gate before summary data leaves the database (page, API, PDF, task)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from audit import events
from audit.actors import Actor
from consent.decision import (
    Answer,
    ConsentDecision,
    PointOfCare,
    PolicyState,
    Verdict,
    decide,
)
from consent.selectors import policies_at
from portal.models import Membership
from summaries.models import Summary
from triage.models import Encounter
from triage.point_of_care import OpenEncounter
from triage.sql import summary_shown_row, summary_still_kept


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


def consent_decision_for(*, opened: OpenEncounter, now: dt.datetime) -> ConsentDecision:
    answer = opened.answer
    point_of_care = (
        PointOfCare(Answer(answer.answer), frozenset(answer.indications))
        if answer
        else PointOfCare(None)
    )
    return decide(
        registered=opened.registered, policies=_PoliciesAt(now), point_of_care=point_of_care
    )


def summary_for_view(
    *, membership: Membership, opened: OpenEncounter, now: dt.datetime
) -> SummaryView:
    """Decide, then read, log and check, in one transaction: no summary leaves without its
    event. The summary (the large read) is read before the event takes the ledger's lock,
    which is held until the commit, so summary pages do not queue behind each other's reads
    (docs/performance.md, "Lookup"). After the event, with the lock held, a fresh statement
    (READ COMMITTED) checks that the summary is still there: a refusal's purge that
    committed while this view waited for the lock is seen, and nothing is shown."""
    actor = Actor.for_membership(membership)
    encounter = opened.encounter
    decision = consent_decision_for(opened=opened, now=now)
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
    with transaction.atomic():
        summary = summary_shown_row(summary_id=encounter.summary_id, bsn=encounter.patient_bsn)
        events.summary_viewed(
            actor=actor,
            patient_bsn=encounter.patient_bsn,
            encounter=encounter.public_id,
            reason=decision.reason,
            consent_basis=decision.basis,
            consent_policy=decision.policy,
            emergency=decision.outcome is Verdict.ALLOW_EMERGENCY,
        )
        if summary is not None and not summary_still_kept(summary_id=summary.pk, bsn=summary.bsn):
            summary = None  # purged meanwhile: a refusal was registered
    return SummaryView(decision, summary, encounter)
