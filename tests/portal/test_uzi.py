"""UZI-pas login through the TLS proxy: each card type and each bad certificate."""

import datetime as dt

import pytest

from audit.models import AccessEvent, EventType
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.uzi_certs import NOW, TestCA, as_header

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"
PROXY_SECRET = "proxy-secret-for-tests-only-0123456789abcdef"


@pytest.fixture
def ca(tmp_path, settings):
    authority = TestCA()
    bundle = tmp_path / "uzi-ca.pem"
    bundle.write_bytes(authority.pem())
    settings.UZI_CA_CERTS_FILE = str(bundle)
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_SECRET = PROXY_SECRET
    return authority


@pytest.fixture
def nurse():
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, ura="90000101", name="HAP Stad")
    return MembershipFactory(
        user=UserFactory(username="sanne", uzi_number="900000011"),
        organisation=hap,
        role=Role.TRIAGE,
        uzi_role_code="30.000",
    )


def present(client, certificate, *, address=PROXY, verified="SUCCESS", secret=PROXY_SECRET):
    return client.post(
        "/accounts/uzi/",
        REMOTE_ADDR=address,
        HTTP_X_PROXY_SECRET=secret,
        HTTP_X_SSL_CLIENT_VERIFY=verified,
        HTTP_X_SSL_CLIENT_CERT=as_header(certificate),
    )


def refused_event():
    return AccessEvent.objects.get(event_type=EventType.LOGIN_FAILED)


def test_a_care_provider_card_logs_in_without_totp_for_its_organisation(client, ca, nurse):
    response = present(client, ca.card(card_type="Z"))
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200  # no second-factor enrolment: card + PIN are two factors
    assert "U werkt voor HAP Stad" in home.content.decode()
    event = AccessEvent.objects.get(event_type=EventType.LOGIN)
    assert (event.user_uzi, event.user_role_code, event.organisation_ura) == (
        "900000011",
        "30.000",
        "90000101",
    )
    assert event.detail["method"] == "uzi" and event.detail["card_type"] == "Z"


def test_a_named_employee_card_logs_in_with_its_employee_role(client, ca):
    seh = OrganisationFactory(kind=Organisation.Kind.SEH, ura="90000201")
    MembershipFactory(
        user=UserFactory(uzi_number="900000099"),
        organisation=seh,
        role=Role.TRIAGE,
        uzi_role_code="00.000",
    )
    card = ca.card(card_type="N", uzi="900000099", subscriber="90000201", role="00.000")
    assert present(client, card).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("card_kwargs", "code", "message"),
    [
        ({"card_type": "M", "role": "00.000"}, "unnamed_card", "niet op naam"),
        ({"card_type": "S", "role": "00.000"}, "server_card", "servercertificaat"),
        (
            {"valid_from": NOW - dt.timedelta(days=800), "valid_until": NOW - dt.timedelta(days=1)},
            "expired",
            "niet geldig",
        ),
        (
            {"uzi_string": "2.16.528.1.1003.1.3.5.5.2-1-12345-Z-90000101-30.000-0"},
            "malformed_san",
            "UZI-gegevens",
        ),
        (
            {"uzi_string": "2.16.528.1.1003.1.3.5.5.3-1-900000011-Z-90000101-30.000-00000000"},
            "malformed_san",
            "UZI-gegevens",
        ),
        (  # a valid string with a newline after it: the whole text must match
            {"uzi_string": "2.16.528.1.1003.1.3.5.5.2-1-900000011-Z-90000101-30.000-00000000\n"},
            "malformed_san",
            "UZI-gegevens",
        ),
        ({"with_san": False}, "malformed_san", "UZI-gegevens"),
        ({"uzi": "900000077"}, "unknown", "geen account"),
        ({"role": "01.015"}, "role_mismatch", "rol"),
    ],
)
def test_a_card_that_cannot_log_in_is_refused_with_its_reason_in_the_ledger(
    client, ca, nurse, card_kwargs, code, message
):
    response = present(client, ca.card(**card_kwargs))
    assert response.status_code == 403
    assert message in response.content.decode()
    assert client.get("/").status_code == 302  # not logged in
    event = refused_event()
    assert event.detail["refused"] == code
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()


def test_a_card_from_another_ca_is_refused(client, ca, nurse):
    stranger = TestCA(name="TEST UZI-register Zorgverlener CA")  # same name, other key
    response = present(client, stranger.card())
    assert response.status_code == 403
    assert refused_event().detail["refused"] == "untrusted"


@pytest.mark.parametrize(
    ("address", "verified", "code"),
    [("203.0.113.9", "SUCCESS", "no_proxy"), (PROXY, "FAILED:unable to verify", "not_verified")],
)
def test_the_certificate_is_believed_only_from_the_proxy_that_verified_it(
    client, ca, nurse, address, verified, code
):
    response = present(client, ca.card(), address=address, verified=verified)
    assert response.status_code == 403
    assert refused_event().detail["refused"] == code


def test_a_process_at_the_proxys_address_without_the_proxy_secret_is_refused(client, ca, nurse):
    # Any local process can reach the app from 127.0.0.1; only the proxy knows the secret.
    response = present(client, ca.card(), secret="guessed")
    assert response.status_code == 403
    assert refused_event().detail["refused"] == "no_proxy"
    assert client.get("/").status_code == 302  # not logged in


def test_without_a_configured_proxy_secret_no_card_is_accepted(client, ca, nurse, settings):
    settings.PROXY_SECRET = ""
    response = present(client, ca.card(), secret="")
    assert response.status_code == 403
    assert refused_event().detail["refused"] == "no_proxy"


def test_a_get_signs_nobody_in(client, ca, nurse):
    response = client.get(
        "/accounts/uzi/",
        REMOTE_ADDR=PROXY,
        HTTP_X_PROXY_SECRET=PROXY_SECRET,
        HTTP_X_SSL_CLIENT_VERIFY="SUCCESS",
        HTTP_X_SSL_CLIENT_CERT=as_header(ca.card()),
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
    assert client.get("/").status_code == 302


def test_the_login_page_offers_the_card_as_a_form_with_a_csrf_token(client):
    page = client.get("/accounts/login/").content.decode()
    card_form = page.split('<form method="post" action="/accounts/uzi/"', 1)[1]
    assert "csrfmiddlewaretoken" in card_form.split("</form>", 1)[0]
