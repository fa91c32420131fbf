"""demo_consent registers through the registry service and names a patient for the GP."""

import io

import pytest
from django.core.management import call_command

from consent.models import ConsentRegistration, Decision
from summaries.models import Summary

pytestmark = pytest.mark.django_db


def test_demo_consent_purges_refusers_and_prints_a_patient_of_the_demo_gp(patients):
    out = io.StringIO()
    call_command("demo_consent", stdout=out)
    demo = ConsentRegistration.objects.filter(registered_by_username="system:demo_consent")
    refused = list(demo.filter(decision=Decision.REFUSAL).values_list("patient_bsn", flat=True))
    assert not Summary.objects.filter(bsn__in=refused).exists()
    line = next(ln for ln in out.getvalue().splitlines() if "of the GP huisarts" in ln)
    bsn = line.split()[-2]
    assert Summary.objects.filter(bsn=bsn, practice=patients).exists()
