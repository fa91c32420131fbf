"""Password plus a second factor (allauth.mfa TOTP); no second factor, no portal."""

import pytest

from audit.models import AccessEvent, EventType
from portal.totp import totp_code
from tests.factories import MembershipFactory, enrol_totp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def password_login(client, username):
    return client.post("/accounts/login/", {"login": username, "password": PASSWORD})


def test_an_account_without_a_second_factor_is_sent_to_enrolment_and_nowhere_else(client):
    MembershipFactory(user__username="sanne")
    password_login(client, "sanne")
    for path in ("/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert b"otpauth://" in page.content or b"svg" in page.content  # the QR code to scan


def test_enrolling_totp_opens_the_portal(client):
    MembershipFactory(user__username="sanne")
    password_login(client, "sanne")
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_login_asks_for_the_code_and_logs_in_only_after_it(client):
    membership = MembershipFactory(user__username="sanne")
    secret = enrol_totp(membership.user)
    response = password_login(client, "sanne")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not yet logged in
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert (
        AccessEvent.objects.filter(event_type=EventType.LOGIN, user_username="sanne").count() == 1
    )


def test_a_wrong_code_does_not_log_in(client):
    membership = MembershipFactory(user__username="sanne")
    enrol_totp(membership.user)
    password_login(client, "sanne")
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert client.get("/").status_code == 302
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
    failed = AccessEvent.objects.get(event_type=EventType.LOGIN_FAILED)
    assert failed.user_username == "sanne"
    assert failed.detail == {"step": "second factor", "authenticator": "totp"}


def test_a_used_code_cannot_be_replayed(client):
    membership = MembershipFactory(user__username="sanne")
    secret = enrol_totp(membership.user)
    password_login(client, "sanne")
    code = totp_code(secret)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    client.post("/accounts/logout/")
    password_login(client, "sanne")
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200  # refused: the same code twice


def test_enrolling_totp_gives_recovery_codes_that_log_in_once(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    membership = MembershipFactory(user__username="sanne")
    password_login(client, "sanne")
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    codes = Authenticator.objects.get(user=membership.user, type=Authenticator.Type.RECOVERY_CODES)
    spare = RecoveryCodes(codes).get_unused_codes()[0]
    client.post("/accounts/logout/")

    password_login(client, "sanne")
    client.post("/accounts/2fa/authenticate/", {"code": spare})
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    password_login(client, "sanne")
    again = client.post("/accounts/2fa/authenticate/", {"code": spare})
    assert again.status_code == 200 and "code" in again.context["form"].errors
