"""The consent decision: may this summary be shown, and on what basis?

A pure function of three inputs — the patient's registered state, the policies in
force, and what happened at the point of care — so that every path (page, API,
PDF, task) gets the same answer, and tests can try every combination. The rows
follow the reference table in docs/glossary.md ("The consent decision"); the first
matching row wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from audit.models import ConsentBasis
from consent.models import Answer, Decision

__all__ = ["Answer", "ConsentDecision", "Decision", "PointOfCare", "PolicyState", "decide"]


class Verdict(StrEnum):
    """What the decision allows. (Not audit.models.Outcome: that is how an access event
    ended, in FHIR AuditEvent terms.)"""

    ALLOW = "allow"
    ALLOW_EMERGENCY = "allow_emergency"  # time-limited, reviewed by the supervisor
    DENY = "deny"


class Reason(StrEnum):
    REGISTERED_REFUSAL = "registered_refusal"
    REFUSED_ON_THE_SPOT = "refused_on_the_spot"
    NOT_ASKED = "not_asked"
    REGISTERED_CONSENT = "registered_consent"
    REGISTERED_CONSENT_UNCONFIRMED = "registered_consent_unconfirmed"
    ON_THE_SPOT_UNDER_POLICY = "on_the_spot_under_policy"
    EMERGENCY_UNDER_POLICY = "emergency_under_policy"
    POLICY_CONDITION_NOT_MET = "policy_condition_not_met"
    NO_POLICY_IN_FORCE = "no_policy_in_force"


@dataclass(frozen=True)
class PolicyState:
    name: str
    in_force: bool
    condition: str = ""  # "" or an indication that must be recorded, e.g. "suspected_covid"


@dataclass(frozen=True)
class PointOfCare:
    answer: Answer | None  # None: not asked (yet)
    indications: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ConsentDecision:
    outcome: Verdict
    reason: Reason
    basis: ConsentBasis
    policy: str = ""

    @property
    def allowed(self) -> bool:
        return self.outcome is not Verdict.DENY


def decide(
    *, registered: Decision, policies: Iterable[PolicyState], point_of_care: PointOfCare
) -> ConsentDecision:
    answer = point_of_care.answer
    if registered is Decision.REFUSAL:
        return ConsentDecision(
            Verdict.DENY, Reason.REGISTERED_REFUSAL, ConsentBasis.REGISTERED_REFUSAL
        )
    if answer is Answer.REFUSES:
        return ConsentDecision(
            Verdict.DENY, Reason.REFUSED_ON_THE_SPOT, ConsentBasis.REFUSAL_ON_THE_SPOT
        )
    if answer is None:
        return ConsentDecision(Verdict.DENY, Reason.NOT_ASKED, ConsentBasis.NONE)
    if registered is Decision.CONSENT:
        if answer is Answer.AGREES:
            return ConsentDecision(
                Verdict.ALLOW, Reason.REGISTERED_CONSENT, ConsentBasis.REGISTERED_CONSENT
            )
        return ConsentDecision(
            Verdict.ALLOW,
            Reason.REGISTERED_CONSENT_UNCONFIRMED,
            ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED,
        )
    # Blank: only a policy in force, whose condition is met, makes the summary available.
    in_force = [p for p in policies if p.in_force]
    covering = next(
        (p for p in in_force if not p.condition or p.condition in point_of_care.indications), None
    )
    if covering is None:
        reason = Reason.POLICY_CONDITION_NOT_MET if in_force else Reason.NO_POLICY_IN_FORCE
        return ConsentDecision(Verdict.DENY, reason, ConsentBasis.NONE)
    if answer is Answer.AGREES:
        return ConsentDecision(
            Verdict.ALLOW,
            Reason.ON_THE_SPOT_UNDER_POLICY,
            ConsentBasis.ON_THE_SPOT_CONSENT,
            covering.name,
        )
    return ConsentDecision(
        Verdict.ALLOW_EMERGENCY,
        Reason.EMERGENCY_UNDER_POLICY,
        ConsentBasis.EMERGENCY_ACCESS,
        covering.name,
    )
