"""The store enrols every patient of a page with its practice (registry: a GP's own
patients), refused ones too, and moves a patient who changed practice."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.actors import Actor
from consent.models import Decision, Scope, Source
from consent.services import consent_register
from summaries.fhir import parse_page
from summaries.models import Enrolment, GpPractice, Summary
from summaries.services.store import summaries_store
from tests.summaries import builders as b

pytestmark = pytest.mark.django_db

BSN = "999911120"


def practice(agb):
    return GpPractice.objects.create(
        agb=agb, name=agb, fhir_base_url=f"http://{agb}.example/fhir", token="t"
    )


def store(at, gp_practice, version="1"):
    patient = b.patient("p1", bsn=BSN)
    patient["meta"] = {"versionId": version, "lastUpdated": at.isoformat()}
    page = parse_page(b.bundle(patient), now=at)
    summaries_store(practice=gp_practice, items=page.summaries, fetched_at=at)


def test_a_moved_patient_is_enrolled_anew_and_an_unchanged_one_keeps_its_date():
    first, second = practice("01100000"), practice("01100001")
    start = timezone.now() - dt.timedelta(days=2)
    store(start, first)
    store(start + dt.timedelta(days=1), first, version="2")
    enrolment = Enrolment.objects.get(bsn=BSN)
    assert (enrolment.practice, enrolment.since) == (first, start)
    store(start + dt.timedelta(days=2), second, version="3")
    enrolment.refresh_from_db()
    assert (enrolment.practice, enrolment.since) == (second, start + dt.timedelta(days=2))


def test_a_refusing_patient_is_enrolled_without_a_summary():
    consent_register(
        patient_bsn=BSN,
        scope=Scope.BOTH,
        decision=Decision.REFUSAL,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test"),
    )
    store(timezone.now(), practice("01100000"))
    assert not Summary.objects.filter(bsn=BSN).exists()
    assert Enrolment.objects.filter(bsn=BSN, practice__agb="01100000").exists()
