"""The database refuses to change or remove ledger rows (PostgreSQL triggers)."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessEvent, LedgerCheckpoint
from tests.audit.helpers import record_events

pytestmark = pytest.mark.django_db


def _execute(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessevent SET patient_bsn = '999911132' WHERE seq = 2",
        "DELETE FROM audit_accessevent WHERE seq = 2",
        "TRUNCATE audit_accessevent",
        "TRUNCATE audit_accessevent CASCADE",
    ],
)
def test_ledger_rejects_update_delete_and_truncate(sql):
    record_events(3)
    before = list(AccessEvent.objects.values_list("seq", "patient_bsn", "hash"))
    with pytest.raises(DatabaseError, match="append-only"):
        _execute(sql)
    assert list(AccessEvent.objects.values_list("seq", "patient_bsn", "hash")) == before


def test_orm_update_and_delete_are_rejected_by_the_database():
    record_events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(seq=1).update(user_name="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(seq=1).delete()
    assert AccessEvent.objects.get(seq=1).user_name == "Sanne de Vries"


def test_model_instances_refuse_save_and_delete():
    (event,) = record_events(1)
    event.user_name = "someone else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_checkpoints_are_append_only_too():
    LedgerCheckpoint.objects.create(seq=1, hash="a" * 64)
    with pytest.raises(DatabaseError, match="append-only"):
        _execute("UPDATE audit_ledgercheckpoint SET hash = repeat('b', 64)")
    with pytest.raises(DatabaseError, match="append-only"):
        _execute("DELETE FROM audit_ledgercheckpoint")


def test_truncating_an_empty_ledger_is_allowed_because_it_loses_nothing():
    _execute("TRUNCATE audit_accessevent")
    assert AccessEvent.objects.count() == 0
