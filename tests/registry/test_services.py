"""registry.services.choice_register: the registration and its effect on the summary."""

import pytest

from audit.actors import Actor
from audit.models import AccessEvent, EventType
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.selectors import registered_state
from registry.services import choice_register
from summaries.models import Summary
from tests.triage.fixtures import BLANK

pytestmark = pytest.mark.django_db

GP = Actor(username="huisarts", name="Eva Jansen", organisation_agb="01100000")


def register(decision, scope=Scope.BOTH):
    return choice_register(
        patient_bsn=BLANK, scope=scope, decision=decision, source=Source.GP_PRACTICE, actor=GP
    )


def test_a_refusal_purges_the_summary_in_the_same_transaction(patients):
    assert Summary.objects.filter(bsn=BLANK).exists()
    register(Decision.REFUSAL, scope=Scope.SEH)  # a refusal for one scope removes it too
    assert not Summary.objects.filter(bsn=BLANK).exists()
    assert registered_state(patient_bsn=BLANK, requester_scope=Scope.SEH) is Decision.REFUSAL
    purged = AccessEvent.objects.get(event_type=EventType.SUMMARY_PURGED, patient_bsn=BLANK)
    assert purged.detail["reason"] == "refusal registered by the GP practice"


@pytest.mark.parametrize("decision", [Decision.CONSENT, Decision.BLANK])
def test_consent_and_withdrawal_keep_the_summary(patients, decision):
    register(decision)
    assert Summary.objects.filter(bsn=BLANK).exists()
    assert ConsentRegistration.objects.filter(patient_bsn=BLANK, decision=decision).exists()
    assert not AccessEvent.objects.filter(event_type=EventType.SUMMARY_PURGED).exists()


def test_a_bad_bsn_registers_nothing_and_purges_nothing(patients):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        choice_register(
            patient_bsn="123456789",
            scope=Scope.BOTH,
            decision=Decision.REFUSAL,
            source=Source.GP_PRACTICE,
            actor=GP,
        )
    assert not ConsentRegistration.objects.filter(patient_bsn="123456789").exists()
    assert Summary.objects.count() == 3
