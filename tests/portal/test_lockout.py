"""Repeated failed logins lock the account (for that workstation) for a cool-off."""

import pytest

from audit.models import AccessEvent, EventType
from tests.factories import MembershipFactory, enrol_totp

pytestmark = pytest.mark.django_db


def attempt(client, password, address="192.0.2.10"):
    return client.post(
        "/accounts/login/", {"login": "sanne", "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_lock_out_even_the_right_password(client, settings):
    membership = MembershipFactory(user__username="sanne")
    enrol_totp(membership.user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong-guess").status_code == 200
    assert attempt(client, "wrong-guess").status_code == 429  # the fifth locks
    locked = attempt(client, "correct horse battery")
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in locked.content.decode()
    # Five wrong passwords, and the right one refused while locked: six failed logins.
    assert AccessEvent.objects.filter(event_type=EventType.LOGIN_FAILED).count() == 6
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()


def test_the_lock_holds_for_one_username_from_one_address(client, settings):
    membership = MembershipFactory(user__username="sanne")
    enrol_totp(membership.user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong-guess", address="203.0.113.66")
    # The nurse at her own workstation is not locked out by someone elsewhere.
    response = attempt(client, "correct horse battery", address="192.0.2.10")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"


def test_wrong_second_factor_codes_lock_the_account_like_wrong_passwords(client, settings):
    from portal.totp import totp_code

    membership = MembershipFactory(user__username="sanne")
    secret = enrol_totp(membership.user)
    assert attempt(client, "correct horse battery")["Location"] == "/accounts/2fa/authenticate/"

    def code(value):
        return client.post("/accounts/2fa/authenticate/", {"code": value}, REMOTE_ADDR="192.0.2.10")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert code("000000").status_code == 200  # the form again, with the error
    locked = code("000000")  # the fifth wrong code locks, as a fifth wrong password would
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in locked.content.decode()
    # Locked: not even the right code is tried, and the password starts nothing new.
    assert code(totp_code(secret)).status_code == 429
    assert client.get("/").status_code == 302
    from django.test import Client

    from tests.conftest import forget_rate_limits

    forget_rate_limits()  # allauth's own per-minute limits gone: the lockout still holds
    assert attempt(Client(), "correct horse battery").status_code == 429
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
    assert (
        AccessEvent.objects.filter(
            event_type=EventType.LOGIN_FAILED, detail__step="second factor"
        ).count()
        == settings.AXES_FAILURE_LIMIT
    )
