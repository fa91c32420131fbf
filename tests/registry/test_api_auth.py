"""Who may call the API: a practice's key or its UZI server certificate through the proxy;
throttled per practice; the schema and documentation closed too."""

import pytest

from audit.models import AccessEvent, EventType
from consent.models import ConsentRegistration
from tests.factories import MembershipFactory, enrol_totp
from tests.registry.api_helpers import (
    BATCH,
    BLANK,
    LOOKUP,
    OTHER_PRACTICE_PATIENT,
    post,
    row,
)
from tests.uzi_certs import TestCA, as_header

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"
PROXY_SECRET = "proxy-secret-for-tests-only-0123456789abcdef"
LOOKUP_A = {"bsn": BLANK, "birth_date": "1950-02-03"}
LOOKUP_B = {"bsn": OTHER_PRACTICE_PATIENT, "birth_date": "1950-02-03"}


def test_throttling_counts_per_practice(client, patients, key_a, key_b, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "lookup": "3/minute"}
    answers = [post(client, LOOKUP, LOOKUP_A, key=key_a).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = post(client, LOOKUP, LOOKUP_A, key=key_a)
    assert int(refused["Retry-After"]) > 0
    assert set(refused.json()) == {"detail"}
    # Another practice has its own allowance.
    assert post(client, LOOKUP, LOOKUP_B, key=key_b).status_code == 200
    # A throttled call reads nothing: three reads, three events for practice A's patient.
    assert AccessEvent.objects.filter(patient_bsn=BLANK).count() == 3


def test_a_second_key_of_the_same_practice_shares_its_allowance(client, patients, key_a, settings):
    from registry.models import PracticeAPIKey

    _other, other_key = PracticeAPIKey.objects.create_key(name="second HIS", practice=patients)
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "lookup": "2/minute"}
    assert post(client, LOOKUP, LOOKUP_A, key=key_a).status_code == 200
    assert post(client, LOOKUP, LOOKUP_A, key=other_key).status_code == 200
    assert post(client, LOOKUP, LOOKUP_A, key=key_a).status_code == 429


def test_a_flood_of_refused_calls_is_cut_off_before_it_fills_the_ledger(client, db, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anonymous": "2/minute"}
    answers = [post(client, LOOKUP, LOOKUP_A, key=None).status_code for _ in range(4)]
    assert answers == [401, 401, 429, 429]
    assert AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 2


# --- The practice's UZI server certificate ----------------------------------------------------


@pytest.fixture
def ca(tmp_path, settings):
    authority = TestCA("TEST UZI-register Server CA")
    bundle = tmp_path / "uzi-ca.pem"
    bundle.write_bytes(authority.pem())
    settings.UZI_CA_CERTS_FILE = str(bundle)
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_SECRET = PROXY_SECRET
    return authority


def server_certificate(ca, *, subscriber="92000000", agb="00000000", card_type="S", **kwargs):
    return ca.card(
        card_type=card_type,
        uzi="900012345",
        subscriber=subscriber,
        role="00.000",
        agb=agb,
        **kwargs,
    )


def with_certificate(client, path, body, certificate, *, address=PROXY, secret=PROXY_SECRET):
    return post(
        client,
        path,
        body,
        key=None,
        REMOTE_ADDR=address,
        HTTP_X_PROXY_SECRET=secret,
        HTTP_X_SSL_CLIENT_VERIFY="SUCCESS",
        HTTP_X_SSL_CLIENT_CERT=as_header(certificate),
    )


def test_a_server_certificate_names_its_practice_by_ura(client, patients, ca):
    response = with_certificate(client, LOOKUP, LOOKUP_A, server_certificate(ca))
    assert response.status_code == 200, response.content
    event = AccessEvent.objects.get(event_type=EventType.REGISTRY_VIEW)
    assert (event.user_username, event.user_uzi, event.organisation_ura) == (
        "api:01100000",
        "900012345",
        "92000000",
    )
    assert event.user_name == "Praktijk Zuid (UZI server certificate 900012345)"

    batch = with_certificate(client, BATCH, {"registrations": [row()]}, server_certificate(ca))
    assert batch.status_code == 201
    registration = ConsentRegistration.objects.get(patient_bsn=BLANK)
    assert registration.registered_by_uzi == "900012345"


def test_a_server_certificate_with_an_agb_must_match_it_too(client, patients, ca):
    assert (
        with_certificate(
            client, LOOKUP, LOOKUP_A, server_certificate(ca, agb="01100000")
        ).status_code
        == 200
    )
    wrong = with_certificate(client, LOOKUP, LOOKUP_A, server_certificate(ca, agb="01100099"))
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("certificate_kwargs", "reason"),
    [
        ({"subscriber": "92999999"}, "API: no practice for the certificate"),
        ({"card_type": "Z"}, "API: no credentials"),  # a person's card is not a system's
        (
            {"uzi_string": "2.16.528.1.1003.1.3.5.5.5-1-900012345-S-920000-00.000-00000000"},
            "API: certificate refused: malformed_san",
        ),
    ],
)
def test_a_certificate_that_names_no_practice_is_refused_and_logged(
    client, patients, ca, certificate_kwargs, reason
):
    response = with_certificate(
        client, LOOKUP, LOOKUP_A, server_certificate(ca, **certificate_kwargs)
    )
    assert response.status_code == 401
    event = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert event.detail["reason"] == reason
    assert not AccessEvent.objects.filter(event_type=EventType.REGISTRY_VIEW).exists()


def test_a_certificate_from_another_ca_is_refused(client, patients, ca):
    stranger = TestCA("Not the UZI register")
    response = with_certificate(client, LOOKUP, LOOKUP_A, server_certificate(stranger))
    assert response.status_code == 401
    assert (
        AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED).detail["reason"]
        == "API: certificate refused: untrusted"
    )


@pytest.mark.parametrize(
    ("address", "secret"), [("203.0.113.9", PROXY_SECRET), (PROXY, "not-the-secret")]
)
def test_a_certificate_is_believed_only_from_the_proxy_with_its_secret(
    client, patients, ca, address, secret
):
    response = with_certificate(
        client, LOOKUP, LOOKUP_A, server_certificate(ca), address=address, secret=secret
    )
    assert response.status_code == 401
    assert (
        AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED).detail["reason"]
        == "API: no credentials"
    )


# --- The schema and the documentation -----------------------------------------------------------


def test_the_schema_is_for_practices_and_staff_only(client, patients, key_a):
    assert client.get("/api/schema/").status_code == 401
    schema = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Api-Key {key_a}")
    assert schema.status_code == 200
    document = schema.json()
    assert set(document["paths"]) == {
        "/api/v1/registrations/batch",
        "/api/v1/patients/lookup",
        "/api/v1/contacts",  # HAPs' and SEHs' contact registrations (oversight)
        "/api/v1/audit-events",  # their ledger as FHIR AuditEvents (oversight.export)
    }
    assert set(document["components"]["securitySchemes"]) == {
        "ApiKey",
        "UziServerCertificate",
        "OrganisationApiKey",
    }
    batch = document["paths"]["/api/v1/registrations/batch"]["post"]
    assert set(batch["responses"]) == {"201", "400", "401", "409", "415", "422", "429"}
    assert (
        document["components"]["schemas"]["RegistrationRowRequest"]["additionalProperties"] is False
    )


def test_the_documentation_is_served_from_our_own_files_for_signed_in_staff(client, db):
    assert client.get("/api/docs/").status_code == 401
    membership = MembershipFactory(user__username="beheer")
    enrol_totp(membership.user)
    client.force_login(membership.user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle." in html
    assert "<style" not in html and "<script>" not in html  # nothing inline (the CSP)
    assert "http://" not in html and "https://" not in html  # no CDN
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert client.get("/api/schema/").status_code == 200
