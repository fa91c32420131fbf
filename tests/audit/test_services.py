import dataclasses
import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from audit import context as request_context
from audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose
from audit.services import access_event_record
from portal.models import Organisation
from tests.audit.helpers import NURSE, record_events

pytestmark = pytest.mark.django_db


def test_access_event_record_stores_the_nen7513_fields():
    started = dt.datetime(2026, 11, 26, 2, 14, 5, 123456, tzinfo=dt.UTC)
    context = request_context.RequestContext(
        request_id="3f0c9d3a6a7b4b1e9f0e2d1c0b9a8f7e",
        client_address="::ffff:10.0.0.7",
        started_at=started,
        session_key=lambda: "abc123sessionkey",
    )
    event = access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=NURSE,
        patient_bsn="999911120",
        consent_basis=ConsentBasis.ON_THE_SPOT_CONSENT,
        consent_policy="Corona Opt-in",
        purpose_of_use=Purpose.TREATMENT,
        detail={"sections": ["medication", "allergies"]},
        context=context,
    )
    stored = AccessEvent.objects.get(pk=event.pk)
    assert stored.seq == 1
    assert stored.prev_hash == GENESIS_HASH
    assert stored.occurred_at == started  # the start of the request, not the write
    assert (stored.event_type, stored.action, stored.outcome) == ("summary_view", "R", 0)
    assert (stored.user_uzi, stored.user_username, stored.user_name) == (
        "900000011",
        "triage",
        "Sanne de Vries",
    )
    assert (stored.user_role_code, stored.user_portal_role) == ("30.000", "triage")
    assert (stored.responsible_name, stored.responsible_uzi) == ("", "")  # no role acts for another
    assert (stored.organisation_ura, stored.organisation_agb) == ("90000101", "06010001")
    assert stored.organisation_name == "Huisartsenpost Utrecht Stad"
    assert stored.patient_bsn == "999911120"
    assert (stored.consent_basis, stored.consent_policy) == ("on_the_spot_consent", "Corona Opt-in")
    assert stored.purpose_of_use == "TREAT"
    assert stored.client_address == "10.0.0.7"  # IPv4-mapped IPv6 written as IPv4
    assert stored.request_id == "3f0c9d3a6a7b4b1e9f0e2d1c0b9a8f7e"
    # The session is referenced by a digest, never by its key (a credential).
    assert stored.session_ref == request_context.session_ref_for("abc123sessionkey")
    assert "abc123sessionkey" not in stored.session_ref
    assert stored.detail == {"sections": ["medication", "allergies"]}
    assert stored.hash == event_hash({f: getattr(stored, f) for f in HASHED_FIELDS})


def test_access_event_record_links_each_event_to_its_predecessor():
    first, second, third = record_events(3)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_access_event_record_defaults_time_to_now_outside_a_request():
    before = timezone.now()
    (event,) = record_events(1)
    assert before <= event.occurred_at <= timezone.now()
    assert event.occurred_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"patient_bsn": "123456789"}, "123456789"),  # fails the 11-test
        ({"event_type": "peek"}, "event_type"),
        ({"outcome": 3}, "outcome"),
        ({"detail": {"temperature": 38.5}}, "detail.temperature"),
        ({"consent_basis": "because"}, "consent_basis"),
    ],
)
def test_access_event_record_rejects_bad_input_and_writes_nothing(kwargs, field):
    arguments = {
        "event_type": EventType.SUMMARY_VIEW,
        "action": Action.READ,
        "actor": NURSE,
        **kwargs,
    }
    # The call gets a transaction of its own, as a caller's action would: a failed
    # event takes the whole transaction down (no savepoint), see the next test.
    with pytest.raises(ValidationError) as excinfo, transaction.atomic():
        access_event_record(**arguments)
    assert field in str(excinfo.value)
    assert AccessEvent.objects.count() == 0


def test_after_a_failed_event_the_callers_transaction_cannot_go_on():
    from django.db.transaction import TransactionManagementError

    with transaction.atomic():
        Organisation.objects.create(kind="hap", name="HAP", ura="90009998")
        with pytest.raises(ValidationError):
            access_event_record(
                event_type=EventType.ADMIN_CHANGE,
                action=Action.CREATE,
                actor=NURSE,
                patient_bsn="111111111",
            )
        with pytest.raises(TransactionManagementError):
            Organisation.objects.count()  # the caller's action cannot be completed
        transaction.set_rollback(True)
    assert not Organisation.objects.filter(ura="90009998").exists()


def test_a_failed_event_rolls_back_the_callers_work():
    """If the access cannot be logged, the action it logs does not happen."""
    with pytest.raises(ValidationError), transaction.atomic():
        Organisation.objects.create(kind="hap", name="Te verwijderen HAP", ura="90009999")
        access_event_record(
            event_type=EventType.ADMIN_CHANGE,
            action=Action.CREATE,
            actor=NURSE,
            patient_bsn="111111111",  # invalid: the event cannot be written
        )
    assert not Organisation.objects.filter(ura="90009999").exists()
    assert AccessEvent.objects.count() == 0


def test_every_meaningful_column_is_hashed():
    # ledger_month says where the row is kept (its month's partition), not what happened;
    # audit_verify checks that the months follow the chain instead (tests/audit/test_retention.py).
    columns = {f.attname for f in AccessEvent._meta.concrete_fields}
    assert columns - set(HASHED_FIELDS) == {"id", "hash", "ledger_month"}


def test_outcome_of_a_denied_access_is_recorded():
    event = access_event_record(
        event_type=EventType.ACCESS_DENIED,
        action=Action.READ,
        outcome=Outcome.MINOR_FAILURE,
        actor=NURSE,
        patient_bsn="999911120",
        consent_basis=ConsentBasis.REGISTERED_REFUSAL,
    )
    assert AccessEvent.objects.get(pk=event.pk).outcome == 4


def test_an_overlong_field_is_refused_before_anything_is_written():
    long_name = dataclasses.replace(NURSE, name="x" * 201)
    with pytest.raises(ValidationError) as excinfo, transaction.atomic():
        access_event_record(event_type=EventType.LOGIN, action=Action.EXECUTE, actor=long_name)
    assert "user_name" in excinfo.value.message_dict
    assert AccessEvent.objects.count() == 0


@pytest.mark.parametrize(
    "detail",
    [
        {"reason": 'Zoë\'s "quoted" \\ back\\slash, tab\t, newline\n, emoji 🚑, ñ'},
        {"nested": {"z": [1, "ü", {"a": None, "b": True}], "a": "€"}, "prev_hash": "x", "seq": 1},
        {},
    ],
    ids=["unicode-and-escapes", "nested-with-link-names-as-keys", "empty"],
)
def test_the_database_links_an_event_with_the_hash_python_checks(detail):
    """On PostgreSQL the hash is made in the database from canonical_parts (audit/0004);
    it must be the very hash audit_verify recomputes, for any text the event holds."""
    record_events(1)
    event = access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=dataclasses.replace(NURSE, name="Zoë Ñúñez-Ærø"),
        patient_bsn="999911120",
        detail=detail,
    )
    stored = AccessEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.hash, stored.prev_hash) == (event.seq, event.hash, event.prev_hash)
    assert stored.hash == event_hash({f: getattr(stored, f) for f in HASHED_FIELDS})
    assert stored.prev_hash == AccessEvent.objects.get(seq=stored.seq - 1).hash


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"outcome": Outcome.MINOR_FAILURE, "consent_basis": ConsentBasis.EMERGENCY_ACCESS},
        {"outcome": 4, "event_type": "summary_view", "client_address": ""},
        {"user_name": gettext_lazy("Log out"), "event_id": str(uuid.uuid4()), "detail": {}},
        {"occurred_at": dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), "user_uzi": 12345},
    ],
    ids=["as-recorded", "enums", "plain-values", "lazy-text-and-id-as-text", "time-and-int"],
)
def test_an_events_values_reach_the_database_as_their_fields_prepare_them(changes):
    # The append passes plain str, UUID and int values as they are (_append_values); every
    # value must still be what the field's own get_db_prep_save makes of it.
    from django.db import connection

    from audit.services import _append_statement, _append_values

    event = access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=NURSE,
        patient_bsn="999911120",
        detail={"reason": "x"},
    )
    for name, value in changes.items():
        setattr(event, name, value)
    _, fields = _append_statement()
    expected = [
        field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields
    ]
    actual = _append_values(event)
    assert [type(value) for value in actual] == [type(value) for value in expected]
    for value, wanted in zip(actual, expected, strict=True):
        assert getattr(value, "obj", value) == getattr(wanted, "obj", wanted)  # Jsonb: its .obj
