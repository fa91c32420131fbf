"""audit.bulk: the COPY writes the rows bulk_create would write; `any_of` finds what `in` finds."""

import datetime as dt
import gc

import pytest
from django.db import IntegrityError, transaction

from audit.bulk import collection_paused, instances_new, rows_insert
from audit.models import AccessEvent
from consent.models import ConsentRegistration, Decision, Scope, Source
from summaries.models import Enrolment, GpPractice
from tests.registry.api_helpers import bsns

pytestmark = pytest.mark.django_db


def registration(bsn: str, **fields) -> ConsentRegistration:
    return ConsentRegistration(
        **{
            "patient_bsn": bsn,
            "patient_birth_date": dt.date(1950, 2, 3),
            "scope": Scope.SEH,  # an enum member, as the services pass them
            "decision": Decision.REFUSAL,
            "source": Source.GP_PRACTICE,
            "registered_at": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
            "registered_by_username": "api:01100000",
            "registered_by_name": "Praktijk Zuid — ‘API’",
            "organisation_agb": "01100000",
            "by_representative": True,
            "note": "regel 1\nregel 2",
            **fields,
        }
    )


def test_rows_insert_writes_what_bulk_create_writes():
    copied_bsn, created_bsn = bsns(2)
    copied = [registration(copied_bsn)]
    rows_insert(ConsentRegistration, copied)
    created = ConsentRegistration.objects.bulk_create([registration(created_bsn)])
    assert copied[0].pk is not None and copied[0].pk != created[0].pk
    assert not copied[0]._state.adding

    def stored(pk):
        row = ConsentRegistration.objects.filter(pk=pk).values().get()
        return {k: v for k, v in row.items() if k not in ("id", "patient_bsn")}

    assert stored(copied[0].pk) == stored(created[0].pk)
    assert stored(copied[0].pk)["scope"] == "seh"  # the value, not the enum's name


def test_rows_insert_is_checked_by_the_database_like_an_insert():
    (bsn,) = bsns(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(ConsentRegistration, [registration(bsn, scope="nowhere")])
    assert not ConsentRegistration.objects.filter(patient_bsn=bsn).exists()


def test_any_of_finds_what_in_finds():
    practice = GpPractice.objects.create(
        agb="01300000", name="P", fhir_base_url="http://p.example", token="t"
    )
    numbers = bsns(50)
    now = dt.datetime.now(dt.UTC)
    Enrolment.objects.bulk_create(Enrolment(bsn=n, practice=practice, since=now) for n in numbers)
    asked = numbers[::3] + ["999999999"]
    by_in = set(Enrolment.objects.filter(bsn__in=asked).values_list("bsn", flat=True))
    by_any = set(Enrolment.objects.filter(bsn__any_of=asked).values_list("bsn", flat=True))
    assert by_any == by_in == set(numbers[::3])
    assert not Enrolment.objects.filter(bsn__any_of=[]).exists()


def test_instances_new_makes_what_the_model_makes():
    """registry.batch and the ledger's batches make their instances without Model.__init__:
    the same attributes, defaults for what is not given, a fresh unsaved state."""
    values = {
        "patient_bsn": "999911120",
        "scope": "hap",
        "decision": "consent",
        "source": "gp_practice",
        "previous_id": 7,
        "registered_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        "registered_by_username": "api:01100000",
        "registered_by_name": "Praktijk Zuid",
    }
    (made,) = instances_new(ConsentRegistration, [values])
    expected = ConsentRegistration(**values)
    assert type(made) is ConsentRegistration
    assert {k: v for k, v in made.__dict__.items() if k != "_state"} == {
        k: v for k, v in expected.__dict__.items() if k != "_state"
    }
    assert made._state.adding and made._state.db is None and made.pk is None
    # A callable default is called for each instance, not shared.
    first, second = instances_new(AccessEvent, [{}, {}])
    assert first.detail == {} and first.detail is not second.detail


def test_collection_paused_pauses_and_restores_the_collector():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # nested: the outer block enables it again
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError
    assert gc.isenabled()
