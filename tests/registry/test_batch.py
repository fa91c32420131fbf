"""registry.batch.choices_register: the one write of the registry (choice_register is a
batch of one), against the one-row writes; and
the API's bulk rule for a practice's own patients, against the GP pages' one."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.models import AccessEvent
from audit.verification import ledger_verify
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.services import consent_register
from portal.models import Organisation, Role
from registry.api.selectors import own_patients
from registry.batch import Choice, choices_register
from registry.selectors import own_patient
from summaries.models import Enrolment, GpPractice, Summary
from summaries.services.purge import summary_purge
from summaries.services.refetch import refetch_request
from tests.factories import MembershipFactory, OrganisationFactory
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED

pytestmark = pytest.mark.django_db

GP = Actor(username="api:01100000", name="Praktijk Zuid (API key abc)", organisation_agb="01100000")


class Rollback(Exception):
    pass


def outcome(register) -> dict:
    """What registering did — the registrations, the ledger events, the summaries, the
    refetch marks — with ids and times left out; then undone."""
    first_event = AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    first_registration = (
        ConsentRegistration.objects.order_by("-id").values_list("id", flat=True).first()
    )
    seen = {}
    with pytest.raises(Rollback), transaction.atomic():
        register()
        new = ConsentRegistration.objects.filter(id__gt=first_registration).order_by("id")
        seen["registrations"] = [
            {
                **{k: v for k, v in r.items() if k not in ("id", "registered_at", "previous_id")},
                "succeeds": r["previous_id"] is not None,
            }
            for r in new.values()
        ]
        seen["events"] = [
            (
                e.event_type,
                e.action,
                e.outcome,
                e.patient_bsn,
                e.user_username,
                e.purpose_of_use,
                {k: v for k, v in e.detail.items() if k != "registration"},
            )
            for e in AccessEvent.objects.filter(seq__gt=first_event).order_by("seq")
        ]
        seen["summaries"] = sorted(Summary.objects.values_list("bsn", flat=True))
        seen["refetch"] = sorted(
            Enrolment.objects.filter(refetch_requested_at__isnull=False).values_list(
                "bsn", flat=True
            )
        )
        seen["ledger intact"] = ledger_verify().intact
        raise Rollback
    return seen


@pytest.mark.parametrize("decision", list(Decision))
@pytest.mark.parametrize(
    ("bsn", "scope"), [(BLANK, Scope.HAP), (CONSENTED, Scope.BOTH), (REFUSED, Scope.BOTH)]
)
def test_one_choice_has_exactly_the_effects_of_the_one_by_one_writes(
    patients, bsn, scope, decision
):
    """The bulk path (one COPY, the ledger in Python) against the one-row writes it replaced:
    consent_register (one ledger statement through the PL/pgSQL function), then the purge or
    the refetch mark. choice_register is a batch of one, so this is every path's check."""
    kwargs = {"by_representative": True, "note": "n"}

    def one_by_one():
        consent_register(
            patient_bsn=bsn,
            scope=scope,
            decision=decision,
            source=Source.GP_PRACTICE,
            actor=GP,
            patient_birth_date=BIRTH,
            **kwargs,
        )
        if decision == Decision.REFUSAL:
            summary_purge(bsn=bsn, actor=GP, reason="refusal registered by the GP practice")
        else:
            refetch_request([bsn])

    single = outcome(one_by_one)
    batch = outcome(
        lambda: choices_register(
            choices=[
                Choice(
                    patient_bsn=bsn,
                    scope=scope,
                    decision=decision,
                    patient_birth_date=BIRTH,
                    **kwargs,
                )
            ],
            source=Source.GP_PRACTICE,
            actor=GP,
        )
    )
    assert batch == single
    assert single["ledger intact"]


def test_a_batch_links_each_registration_to_the_current_one(patients):
    current = ConsentRegistration.objects.get(patient_bsn=CONSENTED, scope=Scope.BOTH)
    registrations = choices_register(
        choices=[
            Choice(patient_bsn=CONSENTED, scope=Scope.BOTH, decision=Decision.BLANK),
            Choice(patient_bsn=CONSENTED, scope=Scope.HAP, decision=Decision.REFUSAL),
            Choice(
                patient_bsn=BLANK,
                scope=Scope.SEH,
                decision=Decision.CONSENT,
                at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
            ),
        ],
        source=Source.GP_PRACTICE,
        actor=GP,
    )
    blank, refusal, consent = (ConsentRegistration.objects.get(pk=r.pk) for r in registrations)
    assert blank.previous_id == current.pk
    assert refusal.previous_id is None and consent.previous_id is None  # first in their scope
    assert consent.registered_at == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert not Summary.objects.filter(bsn=CONSENTED).exists()  # a refusal in any scope purges
    # A second batch succeeds the first one's registrations.
    (again,) = choices_register(
        choices=[Choice(patient_bsn=CONSENTED, scope=Scope.BOTH, decision=Decision.CONSENT)],
        source=Source.GP_PRACTICE,
        actor=GP,
    )
    assert ConsentRegistration.objects.get(pk=again.pk).previous_id == blank.pk
    assert ledger_verify().intact


def test_a_batch_refuses_the_same_patient_and_scope_twice_and_a_bad_bsn(patients):
    before = (ConsentRegistration.objects.count(), AccessEvent.objects.count())
    with pytest.raises(ValueError, match="only once"):
        choices_register(
            choices=[
                Choice(patient_bsn=BLANK, scope=Scope.HAP, decision=Decision.CONSENT),
                Choice(patient_bsn=BLANK, scope="hap", decision=Decision.REFUSAL),
            ],
            source=Source.GP_PRACTICE,
            actor=GP,
        )
    with pytest.raises(ValidationError):
        choices_register(
            choices=[Choice(patient_bsn="123456789", scope=Scope.HAP, decision=Decision.REFUSAL)],
            source=Source.GP_PRACTICE,
            actor=GP,
        )
    assert (ConsentRegistration.objects.count(), AccessEvent.objects.count()) == before
    assert Summary.objects.filter(bsn=BLANK).exists()


def test_own_patients_agrees_with_own_patient(patients):
    """The API's rule for a whole batch is the GP pages' rule for one patient."""
    other = GpPractice.objects.create(
        agb="01200000", name="Praktijk Noord", fhir_base_url="http://b.example", token="t"
    )
    now = timezone.now()
    # Enrolled here, no summary: one with a birth date registered with a choice, one without.
    Enrolment.objects.create(bsn="999911156", practice=patients, since=now)
    Enrolment.objects.create(bsn="999911168", practice=patients, since=now)
    consent_register(
        patient_bsn="999911156",
        scope=Scope.HAP,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=GP,
        patient_birth_date=dt.date(1970, 1, 1),
    )
    Enrolment.objects.create(bsn="999911181", practice=other, since=now)  # another practice's
    organisation = OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE, agb=patients.agb, ura="")
    membership = MembershipFactory(organisation=organisation, role=Role.GP)

    asked = [
        (bsn, birth)
        for bsn in (BLANK, CONSENTED, "999911156", "999911168", "999911181", "999911193")
        for birth in (BIRTH, dt.date(1970, 1, 1), dt.date(1999, 9, 9))
    ]
    expected = {
        (bsn, birth)
        for bsn, birth in asked
        if own_patient(membership=membership, bsn=bsn, birth_date=birth) is not None
    }
    assert own_patients(practice=patients, patients=asked) == expected
    assert (BLANK, BIRTH) in expected and ("999911168", dt.date(1999, 9, 9)) in expected
    assert ("999911156", BIRTH) not in expected and ("999911181", BIRTH) not in expected
