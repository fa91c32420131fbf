"""The admin has no login of its own: every way in passes allauth and the second factor."""

import pytest

from audit.models import AccessEvent, EventType
from portal.models import Role
from portal.totp import totp_code
from tests.factories import MembershipFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def superuser():
    membership = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    membership.user.totp_secret = enrol_totp(membership.user)
    return membership.user


def test_admin_login_form_cannot_turn_a_signed_in_user_into_the_superuser(client, superuser):
    supervisor = MembershipFactory(role=Role.SUPERVISOR, uzi_role_code="00.000").user
    enrol_totp(supervisor)
    client.force_login(supervisor)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "beheer", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 403
    assert int(client.session["_auth_user_id"]) == supervisor.pk  # still the supervisor
    assert client.get("/admin/").status_code == 302  # and not let into the admin
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
    denied = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.user_username == supervisor.username


def test_admin_login_form_takes_no_password_from_anonymous_visitors(client, superuser):
    response = client.post("/admin/login/", {"username": "beheer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session  # the password alone let nobody in
    assert client.get("/admin/").status_code == 302


def test_the_admin_is_reached_through_password_and_second_factor(client, superuser):
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = client.post(
        "/accounts/login/?next=%2Fadmin%2F", {"login": "beheer", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # the password is not enough
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(superuser.totp_secret)}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert (
        AccessEvent.objects.filter(event_type=EventType.LOGIN, user_username="beheer").count() == 1
    )


def test_admin_logout_is_a_logout_in_the_ledger(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    logout = AccessEvent.objects.get(event_type=EventType.LOGOUT)
    assert (logout.user_username, logout.detail["reason"]) == ("beheer", "user")
