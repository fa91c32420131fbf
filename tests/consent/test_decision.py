"""The consent decision over every combination (hypothesis) and the reference table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.models import ConsentBasis
from consent.decision import (
    Answer,
    Decision,
    PointOfCare,
    PolicyState,
    Reason,
    Verdict,
    decide,
)

CORONA = PolicyState("Corona Opt-in", in_force=True, condition="suspected_covid")
CORONA_OFF = PolicyState("Corona Opt-in", in_force=False, condition="suspected_covid")
COVID = frozenset({"suspected_covid"})

policies = st.lists(
    st.builds(
        PolicyState,
        name=st.sampled_from(["Corona Opt-in", "Spoedregeling"]),
        in_force=st.booleans(),
        condition=st.sampled_from(["", "suspected_covid"]),
    ),
    max_size=3,
)
points_of_care = st.builds(
    PointOfCare,
    answer=st.sampled_from([None, *Answer]),  # None: not asked
    indications=st.frozensets(st.sampled_from(["suspected_covid", "other"])),
)
registered_states = st.sampled_from(Decision)


@pytest.mark.parametrize(
    ("registered", "policy", "answer", "indications", "outcome", "basis"),
    [
        # The rows of the consent decision's reference table (docs/glossary.md), in order.
        (
            Decision.REFUSAL,
            CORONA,
            Answer.AGREES,
            COVID,
            Verdict.DENY,
            ConsentBasis.REGISTERED_REFUSAL,
        ),
        (
            Decision.CONSENT,
            CORONA,
            Answer.REFUSES,
            COVID,
            Verdict.DENY,
            ConsentBasis.REFUSAL_ON_THE_SPOT,
        ),
        (Decision.CONSENT, CORONA, None, COVID, Verdict.DENY, ConsentBasis.NONE),
        (
            Decision.CONSENT,
            CORONA_OFF,
            Answer.AGREES,
            frozenset(),
            Verdict.ALLOW,
            ConsentBasis.REGISTERED_CONSENT,
        ),
        (
            Decision.CONSENT,
            CORONA_OFF,
            Answer.CANNOT_CONSENT,
            frozenset(),
            Verdict.ALLOW,
            ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED,
        ),
        (
            Decision.BLANK,
            CORONA,
            Answer.AGREES,
            COVID,
            Verdict.ALLOW,
            ConsentBasis.ON_THE_SPOT_CONSENT,
        ),
        (
            Decision.BLANK,
            CORONA,
            Answer.CANNOT_CONSENT,
            COVID,
            Verdict.ALLOW_EMERGENCY,
            ConsentBasis.EMERGENCY_ACCESS,
        ),
        (Decision.BLANK, CORONA, Answer.AGREES, frozenset(), Verdict.DENY, ConsentBasis.NONE),
        (Decision.BLANK, CORONA_OFF, Answer.AGREES, COVID, Verdict.DENY, ConsentBasis.NONE),
    ],
)
def test_decide_follows_the_reference_table(
    registered, policy, answer, indications, outcome, basis
):
    decision = decide(
        registered=registered, policies=[policy], point_of_care=PointOfCare(answer, indications)
    )
    assert (decision.outcome, decision.basis) == (outcome, basis)


def test_blank_patients_under_a_switched_off_policy_are_denied_even_when_they_consent():
    """1 April 2023: the stop button. On-the-spot consent alone is not enough."""
    decision = decide(
        registered=Decision.BLANK,
        policies=[CORONA_OFF],
        point_of_care=PointOfCare(Answer.AGREES, COVID),
    )
    assert (
        decision.reason is Reason.POLICY_CONDITION_NOT_MET
        or decision.reason is Reason.NO_POLICY_IN_FORCE
    )
    assert not decision.allowed


def test_a_future_on_the_spot_rule_is_a_policy_row_not_code():
    rule = PolicyState("Toestemming ter plekke volstaat", in_force=True, condition="")
    decision = decide(
        registered=Decision.BLANK,
        policies=[CORONA_OFF, rule],
        point_of_care=PointOfCare(Answer.AGREES),
    )
    assert decision.outcome is Verdict.ALLOW and decision.policy == rule.name


@given(registered_states, policies, points_of_care)
def test_a_registered_refusal_always_blocks(registered, policies, point_of_care):
    decision = decide(registered=Decision.REFUSAL, policies=policies, point_of_care=point_of_care)
    assert decision.outcome is Verdict.DENY
    assert decision.basis is ConsentBasis.REGISTERED_REFUSAL


@given(registered_states, policies, points_of_care)
def test_nothing_is_shown_without_asking_and_never_after_a_refusal(
    registered, policies, point_of_care
):
    decision = decide(registered=registered, policies=policies, point_of_care=point_of_care)
    if point_of_care.answer in (None, Answer.REFUSES):
        assert not decision.allowed


@given(registered_states, policies, points_of_care)
def test_every_allowed_view_has_a_basis_and_blank_ones_a_covering_policy(
    registered, policies, point_of_care
):
    decision = decide(registered=registered, policies=policies, point_of_care=point_of_care)
    if decision.allowed:
        assert decision.basis is not ConsentBasis.NONE
    if decision.allowed and registered is Decision.BLANK:
        covering = [
            p
            for p in policies
            if p.name == decision.policy
            and p.in_force
            and (not p.condition or p.condition in point_of_care.indications)
        ]
        assert covering, "a blank patient's summary needs a policy in force whose condition is met"
    if decision.outcome is Verdict.ALLOW_EMERGENCY:
        assert registered is Decision.BLANK and point_of_care.answer is Answer.CANNOT_CONSENT


@given(registered_states, policies, points_of_care)
def test_switching_policies_off_never_opens_access(registered, policies, point_of_care):
    off = [PolicyState(p.name, in_force=False, condition=p.condition) for p in policies]
    with_policies = decide(registered=registered, policies=policies, point_of_care=point_of_care)
    without = decide(registered=registered, policies=off, point_of_care=point_of_care)
    assert not (without.allowed and not with_policies.allowed)
    if registered is not Decision.CONSENT:
        assert not without.allowed


@given(st.sampled_from([Decision.CONSENT, Decision.REFUSAL]), policies, points_of_care)
def test_a_registered_choice_does_not_depend_on_policies(registered, policies, point_of_care):
    """What lets the gate read the policies only for patients without a registered choice."""

    class Untouchable:
        def __iter__(self):
            raise AssertionError("the policies were read")

    assert decide(
        registered=registered, policies=Untouchable(), point_of_care=point_of_care
    ) == decide(registered=registered, policies=policies, point_of_care=point_of_care)
