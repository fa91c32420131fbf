"""The API for GP information systems: batches all or nothing and once per key, own patients
only, the lookup, and the ledger events of each call (docs/api.md)."""

import json

import pytest
from django.utils import timezone

from audit.models import AccessEvent, EventType
from audit.verification import ledger_verify
from consent.models import ConsentRegistration, Decision, Scope, Source
from registry.models import IdempotencyKey, PracticeAPIKey
from summaries.models import Enrolment, Summary
from tests.registry.api_helpers import (
    BATCH,
    BIRTH,
    BLANK,
    CONSENTED,
    LOOKUP,
    OTHER_PRACTICE_PATIENT,
    REFUSED,
    UNKNOWN,
    post,
    row,
    written,
)

pytestmark = pytest.mark.django_db
NOT_OWN = "No patient of your practice has this BSN and birth date."


def test_a_batch_registers_every_row_with_its_event_and_its_effect(client, patients, key_a):
    before = AccessEvent.objects.count()
    previous = ConsentRegistration.objects.get(patient_bsn=CONSENTED, scope=Scope.BOTH)
    response = post(
        client,
        BATCH,
        {
            "registrations": [
                row(BLANK, decision="refusal", scope="seh", by_representative=True),
                row(CONSENTED, decision="blank", note="withdrawn at the desk"),
                row(
                    REFUSED,
                    decision="consent",
                    scope="hap",
                    registered_at="2026-01-05T09:30:00+01:00",
                ),
            ]
        },
        key=key_a,
        idempotency_key="batch-0001",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["registered"] == 3 and body["idempotency_key"] == "batch-0001"
    assert [r["index"] for r in body["registrations"]] == [0, 1, 2]

    refusal = ConsentRegistration.objects.get(pk=body["registrations"][0]["id"])
    assert (refusal.patient_bsn, refusal.scope, refusal.decision) == (BLANK, "seh", "refusal")
    assert refusal.by_representative and refusal.source == Source.GP_PRACTICE
    assert refusal.patient_birth_date == BIRTH
    assert refusal.registered_by_username == "api:01100000"
    assert refusal.organisation_agb == "01100000" and refusal.organisation_ura == "92000000"
    withdrawal = ConsentRegistration.objects.get(pk=body["registrations"][1]["id"])
    assert withdrawal.previous_id == previous.pk  # succeeds the current registration
    assert withdrawal.note == "withdrawn at the desk"
    consent = ConsentRegistration.objects.get(pk=body["registrations"][2]["id"])
    assert consent.registered_at.isoformat() == "2026-01-05T08:30:00+00:00"

    # The effects: the refusing patient's summary is gone; the others' are kept.
    assert not Summary.objects.filter(bsn=BLANK).exists()
    assert Summary.objects.filter(bsn=CONSENTED).exists()
    events = AccessEvent.objects.filter(seq__gt=before).order_by("seq")
    assert [e.event_type for e in events] == [EventType.CONSENT_REGISTRATION] * 3 + [
        EventType.SUMMARY_PURGED
    ]
    assert {e.user_username for e in events} == {"api:01100000"}
    assert events[0].detail["registration"] == refusal.pk
    assert events[3].patient_bsn == BLANK and events[3].detail["existed"] is True
    assert ledger_verify().intact


def test_a_batch_with_one_bad_row_changes_nothing_and_names_the_row_and_field(
    client, patients, key_a
):
    before = written()
    response = post(
        client,
        BATCH,
        {
            "registrations": [
                row(BLANK, decision="refusal"),
                row("999911121"),  # fails the 11-test
                row(REFUSED),
            ]
        },
        key=key_a,
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was registered: 1 rows are invalid.",
        "errors": [
            {"index": 1, "field": "bsn", "message": "Not a valid BSN: it fails the 11-test."}
        ],
    }
    assert written() == before
    assert Summary.objects.filter(bsn=BLANK).exists()  # the good refusal purged nothing


def test_a_retried_batch_registers_nothing_twice(client, patients, key_a):
    body = {"registrations": [row(BLANK, decision="refusal"), row(CONSENTED, decision="blank")]}
    first = post(client, BATCH, body, key=key_a, idempotency_key="retry-me")
    assert first.status_code == 201
    after_first = written()

    again = post(client, BATCH, body, key=key_a, idempotency_key="retry-me")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert written() == after_first  # no registration, no event
    assert ConsentRegistration.objects.filter(patient_bsn=BLANK).count() == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, patients, key_a):
    assert (
        post(client, BATCH, {"registrations": [row()]}, key=key_a, idempotency_key="k1").status_code
        == 201
    )
    before = written()
    response = post(
        client, BATCH, {"registrations": [row(decision="refusal")]}, key=key_a, idempotency_key="k1"
    )
    assert response.status_code == 422
    assert "used before with another body" in response.json()["detail"]
    assert written() == before


def test_keys_are_per_practice(client, patients, key_a, key_b):
    """Practice B may use a key that practice A used: the keys are the senders' own."""
    assert (
        post(
            client, BATCH, {"registrations": [row()]}, key=key_a, idempotency_key="same"
        ).status_code
        == 201
    )
    response = post(
        client,
        BATCH,
        {"registrations": [row(OTHER_PRACTICE_PATIENT)]},
        key=key_b,
        idempotency_key="same",
    )
    assert response.status_code == 201
    assert response.json()["registered"] == 1  # not A's answer
    assert IdempotencyKey.objects.filter(key="same").count() == 2


def test_a_refused_batch_may_be_sent_again_corrected_with_the_same_key(client, patients, key_a):
    bad = post(
        client, BATCH, {"registrations": [row(scope="all")]}, key=key_a, idempotency_key="fix"
    )
    assert bad.status_code == 400
    good = post(client, BATCH, {"registrations": [row()]}, key=key_a, idempotency_key="fix")
    assert good.status_code == 201


def test_practice_a_cannot_touch_practice_b_patients(client, patients, key_a, practice_b):
    before = written()
    batch = post(
        client,
        BATCH,
        {"registrations": [row(BLANK), row(OTHER_PRACTICE_PATIENT), row(UNKNOWN)]},
        key=key_a,
    )
    assert batch.status_code == 400
    errors = batch.json()["errors"]
    # Another practice's patient and an unknown BSN: the same answer.
    assert errors == [
        {"index": 1, "field": "bsn", "message": NOT_OWN},
        {"index": 2, "field": "bsn", "message": NOT_OWN},
    ]
    registrations, events, keys, summaries = written()
    assert (registrations, keys, summaries) == (before[0], before[2], before[3])
    assert events == before[1] + 2  # nothing registered; the asking is logged
    # The asking is logged per patient who is not the practice's own, as by the lookup.
    asked = AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).order_by("seq")
    assert [(e.patient_bsn, e.detail["enrolled_elsewhere"], e.detail["page"]) for e in asked] == [
        (OTHER_PRACTICE_PATIENT, True, "api"),
        (UNKNOWN, False, "api"),
    ]
    assert {e.detail["found"] for e in asked} == {"nobody"}
    first_lookup = asked.last().seq

    elsewhere = post(
        client, LOOKUP, {"bsn": OTHER_PRACTICE_PATIENT, "birth_date": "1950-02-03"}, key=key_a
    )
    unknown = post(client, LOOKUP, {"bsn": UNKNOWN, "birth_date": "1950-02-03"}, key=key_a)
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.content == unknown.content
    assert elsewhere.json() == {"detail": NOT_OWN}
    # The ledger knows which was which (for the supervisors), the caller does not.
    searched = AccessEvent.objects.filter(
        event_type=EventType.PATIENT_SEARCH, seq__gt=first_lookup
    ).order_by("seq")
    assert [
        (e.patient_bsn, e.detail["enrolled_elsewhere"], e.detail["page"]) for e in searched
    ] == [
        (OTHER_PRACTICE_PATIENT, True, "api"),
        (UNKNOWN, False, "api"),
    ]
    assert not ConsentRegistration.objects.filter(patient_bsn=OTHER_PRACTICE_PATIENT).exists()


def test_a_wrong_birth_date_is_answered_like_an_unknown_patient(client, patients, key_a):
    response = post(
        client, BATCH, {"registrations": [row(BLANK, birth_date="1951-02-03")]}, key=key_a
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": "bsn", "message": NOT_OWN}]
    lookup = post(client, LOOKUP, {"bsn": BLANK, "birth_date": "1951-02-03"}, key=key_a)
    assert lookup.status_code == 404 and lookup.json() == {"detail": NOT_OWN}


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "API: no credentials"),
        ("Api-Key nonsense", "API: malformed API key"),
        (
            "Api-Key AbCdEfGh.0123456789abcdefghijABCDEFGHIJ01",
            "API: unknown, revoked or expired API key AbCdEfGh",
        ),
        ("Bearer whatever", "API: no credentials"),
    ],
)
def test_a_call_without_a_valid_key_is_refused_and_logged(client, patients, authorization, reason):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    for path in (BATCH, LOOKUP):
        before = written()
        response = client.post(
            path,
            data=json.dumps(
                {"registrations": [row()]}
                if path == BATCH
                else {"bsn": BLANK, "birth_date": "1950-02-03"}
            ),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="x",
            **headers,
        )
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
        assert set(response.json()) == {"detail"}
        registrations, events, keys, summaries = written()
        assert (registrations, keys, summaries) == (before[0], before[2], before[3])
        assert events == before[1] + 1
        denied = AccessEvent.objects.latest("seq")
        assert denied.event_type == EventType.ACCESS_DENIED
        assert denied.detail == {"reason": reason, "path": path}
        assert denied.patient_bsn == ""  # the body of a refused call is not read


def test_a_revoked_or_expired_key_is_refused(client, patients):
    revoked, revoked_key = PracticeAPIKey.objects.create_key(name="old", practice=patients)
    revoked.revoked = True
    revoked.save()
    _expired, expired_key = PracticeAPIKey.objects.create_key(
        name="temp", practice=patients, expiry_date=timezone.now() - timezone.timedelta(days=1)
    )
    for key in (revoked_key, expired_key):
        response = post(client, LOOKUP, {"bsn": BLANK, "birth_date": "1950-02-03"}, key=key)
        assert response.status_code == 401


def test_a_signed_in_staff_member_cannot_use_the_registration_api(client, patients):
    from tests.factories import MembershipFactory, enrol_totp

    membership = MembershipFactory(user__username="huisarts")
    enrol_totp(membership.user)
    client.force_login(membership.user)
    response = post(client, BATCH, {"registrations": [row()]}, key=None)
    assert response.status_code == 401
    assert not ConsentRegistration.objects.filter(patient_bsn=BLANK).exists()


def test_a_lookup_returns_the_current_choice_and_history_and_writes_one_event(
    client, patients, key_a
):
    post(
        client,
        BATCH,
        {
            "registrations": [
                row(
                    CONSENTED, scope="seh", decision="refusal", registered_at="2026-02-01T10:00:00Z"
                )
            ]
        },
        key=key_a,
    )
    before = AccessEvent.objects.count()
    response = post(client, LOOKUP, {"bsn": CONSENTED, "birth_date": "1950-02-03"}, key=key_a)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bsn"] == CONSENTED and body["birth_date"] == "1950-02-03"
    # Consent for both, then a refusal for the SEH: a refusal decides where it applies.
    assert body["current"] == {"hap": "consent", "seh": "refusal"}
    # Newest first: the fixture's consent (registered now), the refusal made in February.
    assert [(h["scope"], h["decision"], h["source"]) for h in body["history"]] == [
        ("both", "consent", "gp_practice"),
        ("seh", "refusal", "gp_practice"),
    ]
    assert body["history"][1]["registered_at"] == "2026-02-01T11:00:00+01:00"
    assert body["history"][1]["organisation"] == "Praktijk Zuid"
    assert body["history"][1]["registered_by"].startswith("Praktijk Zuid (API key ")
    event = AccessEvent.objects.get(seq=before + 1)
    assert AccessEvent.objects.count() == before + 1
    assert (event.event_type, event.patient_bsn, event.user_username) == (
        EventType.REGISTRY_VIEW,
        CONSENTED,
        "api:01100000",
    )
    assert event.organisation_name == "Praktijk Zuid"
    assert event.user_name.startswith("Praktijk Zuid (API key ")


def test_a_lookup_of_a_patient_without_registrations_says_blank(client, patients, key_a):
    response = post(client, LOOKUP, {"bsn": BLANK, "birth_date": "1950-02-03"}, key=key_a)
    assert response.status_code == 200
    assert response.json()["current"] == {"hap": Decision.BLANK, "seh": Decision.BLANK}
    assert response.json()["history"] == []


def test_a_patient_purged_by_a_refusal_is_still_the_practice_s_own(client, patients, key_a):
    """The enrolment outlives the summary (issue 13): a refusal can be withdrawn by API."""
    assert (
        post(
            client, BATCH, {"registrations": [row(BLANK, decision="refusal")]}, key=key_a
        ).status_code
        == 201
    )
    assert not Summary.objects.filter(bsn=BLANK).exists()
    assert Enrolment.objects.filter(bsn=BLANK).exists()
    again = post(client, BATCH, {"registrations": [row(BLANK, decision="blank")]}, key=key_a)
    assert again.status_code == 201
    assert Enrolment.objects.get(bsn=BLANK).refetch_requested_at is not None
    # The birth date registered with the refusal still has to match.
    wrong = post(client, BATCH, {"registrations": [row(BLANK, birth_date="1960-01-01")]}, key=key_a)
    assert wrong.status_code == 400


def test_other_methods_and_content_types_are_refused(client, patients, key_a):
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key_a}"}
    assert client.get(BATCH, **auth).status_code == 405
    assert client.put(LOOKUP, data="{}", content_type="application/json", **auth).status_code == 405
    form = client.post(LOOKUP, {"bsn": BLANK, "birth_date": "1950-02-03"}, **auth)
    assert form.status_code == 415
    assert set(form.json()) == {"detail"}


@pytest.mark.django_db(transaction=True)
def test_a_registration_made_at_the_same_moment_makes_the_batch_a_409_that_can_be_resent(
    client, patients, key_a
):
    """Another path registers the same patient's first choice for the same scope while the
    batch runs: the database refuses the second first registration; nothing of the batch is
    written, and the same call succeeds when sent again."""
    import threading
    import time

    from django.db import connection, transaction

    from audit.actors import Actor
    from consent.services import consent_register

    holding = threading.Event()

    def other_path():
        try:
            with transaction.atomic():
                consent_register(
                    patient_bsn=BLANK,
                    scope=Scope.HAP,
                    decision=Decision.CONSENT,
                    source=Source.ON_THE_SPOT,
                    actor=Actor(username="sanne", name="Sanne"),
                )
                holding.set()
                time.sleep(1.0)  # the batch now waits for this transaction at the index
        finally:
            connection.close()

    thread = threading.Thread(target=other_path)
    thread.start()
    assert holding.wait(10)
    body = {"registrations": [row(CONSENTED, decision="blank"), row(BLANK, scope="hap")]}
    before = ConsentRegistration.objects.filter(patient_bsn=CONSENTED).count()
    response = post(client, BATCH, body, key=key_a, idempotency_key="race")
    thread.join()
    assert response.status_code == 409, response.content
    assert "send the batch again" in response.json()["detail"]
    assert ConsentRegistration.objects.filter(patient_bsn=CONSENTED).count() == before
    assert not IdempotencyKey.objects.exists()
    again = post(client, BATCH, body, key=key_a, idempotency_key="race")
    assert again.status_code == 201
    assert ledger_verify().intact
