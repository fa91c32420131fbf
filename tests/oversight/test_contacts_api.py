"""POST /api/v1/contacts: a HAP's or SEH's system sends its contact registrations — the same
checks and the same service as a file (test_reconciliation.py), all or nothing, per
organisation by its own API key, throttled, refusals logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from audit.models import AccessEvent, EventType, MisuseAlert
from oversight.models import ContactRegistration, ContactUpload, OrganisationAPIKey
from oversight.reconciliation.services import contacts_file_upload, contacts_reconcile_upload
from portal.models import Organisation, Role
from registry.models import PracticeAPIKey
from summaries.models import GpPractice
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, enrol_totp
from tests.oversight.test_reconciliation import (  # noqa: F401 - an autouse fixture
    FRAME,
    HOUR,
    P1,
    P2,
    P3,
    T,
    _fixed_dates_are_not_too_old,
    view,
)
from tests.registry.api_helpers import _throttles_forgotten  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts"


@pytest.fixture
def hap(db):
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")


@pytest.fixture
def other_hap(db):
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Dorp", ura="90000202")


@pytest.fixture
def key(hap):
    _api_key, key = OrganisationAPIKey.objects.create_key(name="HIS Stad", organisation=hap)
    return key


@pytest.fixture
def other_key(other_hap):
    _api_key, key = OrganisationAPIKey.objects.create_key(name="HIS Dorp", organisation=other_hap)
    return key


def post(client, body, *, key: str | None, **extra):
    headers = dict(extra)
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(CONTACTS, data=data, content_type="application/json", **headers)


def contact(bsn: str = P1, at: dt.datetime = T, location: str = "Huisartsenpost Stad", **more):
    return {"bsn": bsn, "contact_at": at.isoformat(), "location": location, **more}


def written() -> tuple[int, int, int]:
    return (
        ContactRegistration.objects.count(),
        ContactUpload.objects.count(),
        AccessEvent.objects.filter(event_type=EventType.CONTACTS_UPLOADED).count(),
    )


# --- Who may call ---------------------------------------------------------------------------


def test_without_a_key_the_answer_is_401_and_the_refusal_is_logged(client, hap):
    response = post(client, {"contacts": [contact()]}, key=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    denied = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.detail["path"] == CONTACTS
    assert written() == (0, 0, 0)


def test_a_practice_key_a_wrong_key_and_a_revoked_key_are_refused(client, hap, key):
    practice = GpPractice.objects.create(
        agb="01100000", ura="92000000", name="Praktijk", fhir_base_url="http://x", token="t"
    )
    _k, practice_key = PracticeAPIKey.objects.create_key(name="HIS", practice=practice)
    wrong = key[:9] + ("a" if key[9] != "a" else "b") + key[10:]
    for refused in (practice_key, wrong, "not-a-key"):
        assert post(client, {"contacts": [contact()]}, key=refused).status_code == 401
    OrganisationAPIKey.objects.update(revoked=True)
    assert post(client, {"contacts": [contact()]}, key=key).status_code == 401
    assert written() == (0, 0, 0)
    assert AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 4


def test_an_organisation_key_opens_nothing_of_the_registry(client, key):
    for path in ("/api/v1/registrations/batch", "/api/v1/patients/lookup"):
        response = client.post(
            path, data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {key}"
        )
        assert response.status_code == 401, path


def test_a_signed_in_supervisor_cannot_use_the_api(client, hap):
    supervisor = MembershipFactory(organisation=hap, role=Role.SUPERVISOR)
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    assert post(client, {"contacts": [contact()]}, key=None).status_code == 401
    assert written() == (0, 0, 0)


def test_calls_are_throttled_per_organisation(client, key, other_key, settings):
    settings.RECONCILIATION_API_RATE = "2/minute"
    assert post(client, {"contacts": [contact(P1)]}, key=key).status_code == 201
    assert post(client, {"contacts": [contact(P2)]}, key=key).status_code == 201
    throttled = post(client, {"contacts": [contact(P3)]}, key=key)
    assert throttled.status_code == 429 and "Retry-After" in throttled
    # Another organisation has its own count.
    assert post(client, {"contacts": [contact()]}, key=other_key).status_code == 201


# --- Loading --------------------------------------------------------------------------------


def test_good_contacts_load_with_their_ledger_event(client, hap, key):
    body = {"contacts": [contact(P1, T), contact(P2, T + HOUR, "Visite")]}
    response = post(client, body, key=key)
    assert response.status_code == 201, response.content
    created = ContactUpload.objects.get()
    assert response.json() == {
        "upload": created.pk,
        "received": 2,
        "added": 2,
        "already_registered": 0,
        "first_contact": "2026-11-02T10:00:00+01:00",
        "last_contact": "2026-11-02T11:00:00+01:00",
    }
    assert sorted(ContactRegistration.objects.values_list("patient_bsn", "location")) == [
        (P1, "Huisartsenpost Stad"),
        (P2, "Visite"),
    ]
    assert all(c.organisation_id == hap.pk for c in ContactRegistration.objects.all())
    assert (created.source, created.uploaded_by) == ("api", "api:90000101")
    assert created.uploaded_by_name == f"HAP Stad (API key {key[:8]})"
    event = AccessEvent.objects.get(event_type=EventType.CONTACTS_UPLOADED)
    assert (event.user_username, event.organisation_ura) == ("api:90000101", "90000101")
    assert event.detail["source"] == "api" and event.detail["rows"] == 2
    assert len(event.detail["sha256"]) == 64


def test_sending_the_same_contacts_again_adds_none(client, key):
    post(client, {"contacts": [contact(P1, T), contact(P2, T + HOUR)]}, key=key)
    # The same contacts in another body (another order): loaded, nothing added.
    again = post(client, {"contacts": [contact(P2, T + HOUR), contact(P1, T)]}, key=key)
    assert again.status_code == 201
    assert (again.json()["added"], again.json()["already_registered"]) == (0, 2)
    assert ContactRegistration.objects.count() == 2
    assert written() == (2, 2, 2)


def test_the_same_body_again_loads_nothing_and_answers_with_the_earlier_upload(
    client, key, django_capture_on_commit_callbacks
):
    body = {"contacts": [contact(P1, T), contact(P2, T + HOUR)]}
    first = post(client, body, key=key)
    assert first.status_code == 201
    with django_capture_on_commit_callbacks() as callbacks:
        retried = post(client, body, key=key)  # a retry after a timeout, say
    assert retried.status_code == 200
    earlier = ContactUpload.objects.get()
    answer = retried.json()
    assert dt.datetime.fromisoformat(answer.pop("loaded_at")) == earlier.uploaded_at
    assert answer.pop("detail") == (
        f"This body was already loaded on {earlier.uploaded_at.isoformat()} "
        f"(upload {earlier.pk}): nothing was loaded again."
    )
    assert answer == first.json()
    # No second upload, no second ledger event, no reconciliation run.
    assert written() == (2, 1, 1) and callbacks == []


def test_a_file_and_a_call_share_one_registration(client, hap, key):
    supervisor = MembershipFactory(organisation=hap, role=Role.SUPERVISOR)
    data = f"bsn;contactmoment;locatie\n{P1};02-11-2026 10:00;Huisartsenpost Stad\n".encode()
    contacts_file_upload(membership=supervisor, filename="a.csv", data=data)
    answer = post(client, {"contacts": [contact(P1, T)]}, key=key).json()
    assert answer["added"] == 0 and ContactRegistration.objects.count() == 1


# --- Bad input: all or nothing, named by index and field --------------------------------------


def test_one_bad_contact_loads_nothing_and_names_index_and_field(client, key):
    body = {"contacts": [contact(P1), contact(P2, location="   "), contact(P3)]}
    response = post(client, body, key=key)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was loaded: 1 contacts are invalid.",
        "errors": [{"index": 1, "field": "location", "message": "Must not be empty."}],
    }
    assert written() == (0, 0, 0)


def test_several_bad_contacts_are_each_named(client, key):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    body = {
        "contacts": [
            contact("123456789"),
            {"bsn": P2, "contact_at": "2026-11-02 10:00", "location": "HAP"},
            contact(P3, tomorrow),
            {"bsn": P1, "location": "HAP", "room": "3"},
            "not a contact",
        ]
    }
    errors = post(client, body, key=key).json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (0, "bsn"),
        (1, "contact_at"),
        (2, "contact_at"),
        (3, "room"),
        (3, "contact_at"),
        (4, None),
    ]
    assert errors[0]["message"] == "Not a valid BSN: it fails the 11-test."
    assert errors[2]["message"] == "Must not be in the future."
    assert errors[3]["message"] == "Unknown field."
    assert errors[4]["message"] == "This field is required."
    assert written() == (0, 0, 0)


def test_a_contact_more_than_the_maximum_age_ago_is_refused(client, key, settings):
    settings.RECONCILIATION_MAX_AGE_DAYS = 31
    long_ago = timezone.now() - dt.timedelta(days=32)
    body = {"contacts": [contact(P1, timezone.now() - HOUR), contact(P2, long_ago)]}
    response = post(client, body, key=key)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "field": "contact_at",
            "message": "Must not be more than 31 days ago: check the date.",
        }
    ]
    assert written() == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ('{"contacts": [', None, "The body is not valid JSON"),
        ({"contacts": [contact()], "more": 1}, "more", "Unknown field."),
        ({}, "contacts", "This field is required."),
        ({"contacts": []}, "contacts", "Must hold at least one contact."),
        ([contact()], None, "The body must be a JSON object."),
    ],
)
def test_malformed_bodies_are_refused_with_a_message(client, key, body, field, message):
    response = post(client, body, key=key)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["message"][: len(message)]) == (field, message)
    assert written() == (0, 0, 0)


def test_an_oversized_batch_or_body_is_refused(client, key, settings):
    settings.RECONCILIATION_API_MAX_CONTACTS = 2
    response = post(client, {"contacts": [contact(P1), contact(P2), contact(P3)]}, key=key)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": None,
            "field": "contacts",
            "message": "At most 2 contacts per call; this one has 3.",
        }
    ]
    settings.API_MAX_BODY_BYTES = 100
    too_large = post(client, {"contacts": [contact(P1, location="x" * 90)]}, key=key)
    assert too_large.status_code == 400
    assert too_large.json()["errors"][0]["message"] == "The body is larger than 100 bytes."
    assert written() == (0, 0, 0)


def test_a_body_that_is_not_json_is_refused(client, key):
    response = client.post(
        CONTACTS,
        data="bsn;contactmoment",
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 415


# --- Organisations apart ----------------------------------------------------------------------


def test_a_key_loads_for_its_own_organisation_only(client, hap, other_hap, other_key):
    post(client, {"contacts": [contact(P1, T)]}, key=other_key)
    assert set(ContactRegistration.objects.values_list("organisation", flat=True)) == {other_hap.pk}
    # HAP Stad's supervisor sees none of it on their page.
    supervisor = MembershipFactory(organisation=hap, role=Role.SUPERVISOR)
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    html = client.get("/toezicht/contacten/").content.decode()
    assert "HIS Dorp" not in html and "HAP Dorp" not in html and "data-upload=" not in html


def test_contacts_sent_by_another_organisation_never_match_a_view(client, hap, key, other_key):
    view(P1, T)
    post(client, {"contacts": [contact(P1, T)]}, key=other_key)  # the same patient, elsewhere
    ours = post(client, {"contacts": [contact(bsn, at) for bsn, at in FRAME]}, key=key).json()
    contacts_reconcile_upload(upload_id=ours["upload"])
    [alert] = MisuseAlert.objects.filter(kind=MisuseAlert.Kind.NO_MATCHING_CONTACT)
    assert (alert.username, alert.organisation_ura, alert.hits) == ("sanne", "90000101", 1)


def test_a_call_enqueues_reconciliation_on_commit(client, key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert post(client, {"contacts": [contact()]}, key=key).status_code == 201
    assert len(callbacks) == 1


# --- Issuing a key ----------------------------------------------------------------------------


def test_the_admin_issues_a_key_once_and_it_works(client, hap):
    administrator = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    enrol_totp(administrator.user)
    client.force_login(administrator.user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/admin/oversight/organisationapikey/add/",
        {"organisation": hap.pk, "name": "HIS Stad"},
        follow=True,
    )
    issued = OrganisationAPIKey.objects.get()
    html = response.content.decode()
    start = html.index("is: ") + len("is: ")
    key = html[start : html.index(" ", start)]
    assert key.startswith(issued.prefix + ".")
    assert key not in issued.hashed_key  # only its hash is kept
    assert (
        client.get(f"/admin/oversight/organisationapikey/{issued.pk}/change/")
        .content.decode()
        .count(key)
        == 0
    )  # shown once
    change = AccessEvent.objects.get(event_type=EventType.ADMIN_CHANGE)
    assert change.detail["model"] == "oversight.organisationapikey"
    client.logout()
    assert post(client, {"contacts": [contact()]}, key=key).status_code == 201


def test_a_key_cannot_be_issued_to_a_gp_practice(client):
    practice = OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    _api_key, key = OrganisationAPIKey.objects.create_key(name="x", organisation=practice)
    assert post(client, {"contacts": [contact()]}, key=key).status_code == 401
    assert written() == (0, 0, 0)
