"""The patient's own choice (registry.services.patient_choice_*): the service the patients'
pages of issue 16 will call. Same effects as every other path, the patient as the actor."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AccessEvent, EventType
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.selectors import registered_state
from registry.services import (
    PatientSelf,
    choice_register,
    patient_choice_register,
    patient_choices_read,
)
from summaries.models import Summary
from tests.registry.test_services import GP
from tests.triage.fixtures import BIRTH, BLANK

pytestmark = pytest.mark.django_db

JAN = PatientSelf(username="patient:jan", name="Jan Visser", bsn=BLANK, birth_date=BIRTH)


def test_the_patients_refusal_is_theirs_and_purges_the_summary(patients):
    registration = patient_choice_register(patient=JAN, decision=Decision.REFUSAL, scope=Scope.BOTH)

    assert registration.source == Source.PATIENT
    assert registration.registered_by_username == "patient:jan"
    assert registration.organisation_agb == ""  # no organisation acted
    assert registration.patient_birth_date == BIRTH
    assert registered_state(patient_bsn=BLANK, requester_scope=Scope.HAP) is Decision.REFUSAL
    assert not Summary.objects.filter(bsn=BLANK).exists()
    registered = AccessEvent.objects.get(
        event_type=EventType.CONSENT_REGISTRATION, patient_bsn=BLANK
    )
    assert (registered.user_username, registered.user_portal_role, registered.patient_bsn) == (
        "patient:jan",
        "patient",
        BLANK,
    )
    purged = AccessEvent.objects.get(event_type=EventType.SUMMARY_PURGED)
    assert purged.detail["reason"] == "refusal registered by the patient"


def test_the_patient_changes_their_choice_and_reads_the_whole_history(patients):
    choice_register(
        patient_bsn=BLANK,
        scope=Scope.BOTH,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=GP,
        at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )
    patient_choice_register(patient=JAN, decision=Decision.REFUSAL, scope=Scope.SEH)

    choices = patient_choices_read(patient=JAN)

    assert choices.current == {Scope.HAP: Decision.CONSENT, Scope.SEH: Decision.REFUSAL}
    assert [(r.source, r.scope, r.decision) for r in choices.history] == [
        (Source.PATIENT, Scope.SEH, Decision.REFUSAL),
        (Source.GP_PRACTICE, Scope.BOTH, Decision.CONSENT),
    ]
    read = AccessEvent.objects.get(event_type=EventType.REGISTRY_VIEW)
    assert (read.user_username, read.patient_bsn) == ("patient:jan", BLANK)


def test_a_patient_with_no_choice_reads_blank_and_an_empty_history(patients):
    choices = patient_choices_read(patient=JAN)
    assert choices.current == {Scope.HAP: Decision.BLANK, Scope.SEH: Decision.BLANK}
    assert choices.history == []


def test_an_invalid_bsn_registers_nothing(patients):
    wrong = PatientSelf(username="patient:x", name="X", bsn="123456789")
    with pytest.raises(ValidationError):
        patient_choice_register(patient=wrong, decision=Decision.REFUSAL, scope=Scope.BOTH)
    assert not ConsentRegistration.objects.filter(patient_bsn="123456789").exists()
    assert not AccessEvent.objects.filter(patient_bsn="123456789").exists()
