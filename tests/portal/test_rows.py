"""portal.rows: hand-written SQL in, ordinary model instances out, as the ORM would give."""

import uuid

import pytest
from django.utils import timezone

from portal import rows
from portal.models import Membership, Organisation
from summaries.models import GpPractice, Summary
from tests.factories import MembershipFactory
from tests.triage.fixtures import CONSENTED, patients  # noqa: F401 (fixture)
from triage.models import Encounter, PointOfCareConsent

pytestmark = pytest.mark.django_db

SUMMARY_WITHOUT_SOURCE = (Summary, ("source",))


def test_a_row_becomes_the_instances_the_orm_would_load(patients):  # noqa: F811
    summary_part, practice_part = SUMMARY_WITHOUT_SOURCE, rows.only(GpPractice, "name")
    row = rows.fetch_one(
        f"SELECT {rows.columns(summary_part, 's')}, {rows.columns(practice_part, 'p')}, 42 "
        'FROM "summaries_summary" s JOIN "summaries_gppractice" p ON p."id" = s."practice_id" '
        'WHERE s."bsn" = %s',
        [CONSENTED],
    )
    summary, practice, extra = rows.split(row, summary_part, practice_part)
    loaded = Summary.objects.select_related("practice").get(bsn=CONSENTED)
    assert summary.pk == loaded.pk and summary.birth_date == loaded.birth_date
    assert summary.sections == loaded.sections  # JSON decoded, as the field does
    assert summary.fetched_at == loaded.fetched_at and summary.fetched_at.tzinfo is not None
    assert summary.get_deferred_fields() == {"source"}
    assert (practice.pk, practice.name) == (loaded.practice.pk, "Praktijk Zuid")
    assert "token" in practice.get_deferred_fields()
    assert extra == 42


def test_the_empty_side_of_an_outer_join_is_none():
    membership = MembershipFactory()
    encounter = Encounter.objects.create(
        public_id=uuid.uuid4(),
        user=membership.user,
        membership=membership,
        patient_bsn=CONSENTED,
        started_at=timezone.now(),
        expires_at=timezone.now(),
    )
    row = rows.fetch_one(
        f"SELECT {rows.columns(Encounter, 'e')}, {rows.columns(PointOfCareConsent, 'c')} "
        'FROM "triage_encounter" e '
        'LEFT JOIN "triage_pointofcareconsent" c ON c."encounter_id" = e."id" WHERE e."id" = %s',
        [encounter.pk],
    )
    loaded, consent = rows.split(row, Encounter, PointOfCareConsent)
    assert consent is None
    assert loaded.public_id == encounter.public_id  # a UUID again, not text


def test_insert_writes_the_row_and_sets_the_key():
    organisation = Organisation(kind=Organisation.Kind.HAP, name="HAP Noord", ura="90000017")
    rows.insert(organisation)
    assert organisation.pk is not None and not organisation._state.adding
    stored = Organisation.objects.get(pk=organisation.pk)
    assert (stored.kind, stored.name, stored.ura, stored.agb) == (
        "hap",
        "HAP Noord",
        "90000017",
        "",
    )
    membership = Membership(
        user=MembershipFactory().user, organisation=stored, role="triage", uzi_role_code="30.000"
    )
    rows.insert(membership)
    assert Membership.objects.get(pk=membership.pk).organisation == stored


def test_a_misspelt_field_is_refused_at_once():
    from django.core.exceptions import FieldDoesNotExist

    with pytest.raises(FieldDoesNotExist):
        rows.only(GpPractice, "nmae")


def test_insert_says_so_where_the_database_cannot_return_the_new_key(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    with pytest.raises(NotImplementedError, match="RETURNING is needed"):
        rows.insert(Organisation(kind=Organisation.Kind.SEH, name="SEH Oost"))
    assert not Organisation.objects.filter(name="SEH Oost").exists()


def test_insert_refuses_a_model_whose_key_the_database_does_not_make():
    from django.contrib.sessions.models import Session

    with pytest.raises(TypeError, match="needs a key the database generates"):
        rows.insert(Session(session_key="k", session_data="", expire_date=timezone.now()))


@pytest.mark.parametrize("vendor", ["postgresql", "another database"])
def test_insert_runs_its_first_statement_before_the_row_goes_in(vendor, monkeypatch):
    """On PostgreSQL one statement: the UPDATE frees the number the new row takes, so the
    unique constraint holds only if the UPDATE ran first. Elsewhere two statements."""
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    if vendor != "postgresql":
        monkeypatch.setattr(connections["default"], "vendor", vendor)
    Organisation.objects.create(kind=Organisation.Kind.HAP, name="HAP Oud", ura="90000017")
    new = Organisation(kind=Organisation.Kind.HAP, name="HAP Nieuw", ura="90000017")
    first = (
        'UPDATE "portal_organisation" SET "ura" = %s WHERE "ura" = %s',
        ["90000029", "90000017"],
    )
    with CaptureQueriesContext(connection) as statements:
        rows.insert(new, first=first)
    assert Organisation.objects.get(ura="90000017").pk == new.pk
    assert Organisation.objects.get(ura="90000029").name == "HAP Oud"
    assert len(statements) == (1 if vendor == "postgresql" else 2)
