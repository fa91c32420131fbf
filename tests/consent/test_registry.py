"""The consent registry: every registration a new row, one current per patient and scope."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.actors import Actor
from audit.models import AccessEvent, EventType
from consent.models import ConsentRegistration, Decision, Policy, Scope, Source
from consent.selectors import registered_state
from consent.services import consent_register, policy_switch

pytestmark = pytest.mark.django_db

GP = Actor(
    username="huisarts",
    name="Eva Jansen",
    uzi_number="900000033",
    role_code="01.015",
    portal_role="gp",
    organisation_agb="01100000",
    organisation_name="Praktijk",
)
BSN = "999911120"


def register(decision, scope=Scope.BOTH):
    return consent_register(
        patient_bsn=BSN, scope=scope, decision=decision, source=Source.GP_PRACTICE, actor=GP
    )


def test_a_patient_without_registrations_is_blank():
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.HAP) is Decision.BLANK


def test_each_registration_is_a_new_row_that_succeeds_the_last():
    first = register(Decision.CONSENT)
    second = register(Decision.BLANK)  # withdrawn
    third = register(Decision.REFUSAL)
    assert ConsentRegistration.objects.count() == 3
    assert (second.previous, third.previous) == (first, second)
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.SEH) is Decision.REFUSAL
    events = AccessEvent.objects.filter(event_type=EventType.CONSENT_REGISTRATION)
    assert [e.detail["decision"] for e in events] == ["consent", "blank", "refusal"]
    assert all(e.patient_bsn == BSN and e.user_uzi == "900000033" for e in events)


def test_a_refusal_in_any_scope_that_covers_the_requester_blocks():
    register(Decision.CONSENT, scope=Scope.HAP)
    register(Decision.REFUSAL, scope=Scope.BOTH)
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.HAP) is Decision.REFUSAL
    register(Decision.CONSENT, scope=Scope.SEH)
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.SEH) is Decision.REFUSAL


def test_scopes_are_separate():
    register(Decision.CONSENT, scope=Scope.HAP)
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.HAP) is Decision.CONSENT
    assert registered_state(patient_bsn=BSN, requester_scope=Scope.SEH) is Decision.BLANK


def test_the_database_keeps_one_line_of_history_per_patient_and_scope():
    first = register(Decision.CONSENT)
    register(Decision.REFUSAL)
    fork = dict(
        patient_bsn=BSN,
        scope=Scope.BOTH,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        registered_at=first.registered_at,
        registered_by_username="x",
        registered_by_name="x",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRegistration.objects.create(previous=first, **fork)  # a second successor
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRegistration.objects.create(previous=None, **fork)  # a second first one


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consent_consentregistration SET decision = 'consent'",
        "DELETE FROM consent_consentregistration",
    ],
)
def test_registrations_are_never_changed_or_removed(sql):
    register(Decision.REFUSAL)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert ConsentRegistration.objects.get().decision == "refusal"


@pytest.mark.django_db(transaction=True)
def test_the_registry_cannot_be_truncated():
    register(Decision.REFUSAL)  # committed
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE consent_consentregistration CASCADE")
    assert ConsentRegistration.objects.count() == 1


def test_an_invalid_bsn_registers_nothing():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        consent_register(
            patient_bsn="123456789",
            scope=Scope.BOTH,
            decision=Decision.CONSENT,
            source=Source.GP_PRACTICE,
            actor=GP,
        )
    assert not ConsentRegistration.objects.exists()
    assert not AccessEvent.objects.exists()


def test_switching_a_policy_is_logged_with_its_reason():
    from django.utils import timezone

    policy = Policy.objects.create(
        name="Corona Opt-in", is_on=True, starts_at=timezone.now(), condition="suspected_covid"
    )
    policy_switch(policy=policy, on=False, actor=GP, reason="stopknop 1 april 2023")
    policy.refresh_from_db()
    assert policy.is_on is False
    event = AccessEvent.objects.get(event_type=EventType.POLICY_CHANGED)
    assert event.detail == {
        "policy": "Corona Opt-in",
        "on": False,
        "reason": "stopknop 1 april 2023",
        "change": policy.changes.get().pk,  # the history row (consent.PolicyChange)
    }
