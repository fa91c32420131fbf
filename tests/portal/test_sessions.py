"""Sessions end when idle (15 min) and after a shift (12 h); logout ends them server-side."""

import time

import pytest
from django.contrib.sessions.models import Session

from audit.models import AccessEvent, EventType
from portal.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from portal.totp import totp_code
from tests.factories import MembershipFactory, enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    membership = MembershipFactory(user__username="sanne")
    enrol_totp(membership.user)
    client.force_login(membership.user)
    assert client.get("/").status_code == 200
    return client


def age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


@pytest.mark.parametrize(
    ("ages", "reason"),
    [
        ({SESSION_LAST_SEEN: 16 * 60}, "idle"),
        ({SESSION_STARTED: 12 * 3600 + 60, SESSION_LAST_SEEN: 30}, "shift"),
    ],
)
def test_a_session_past_its_limit_ends_and_the_ledger_says_why(signed_in, ages, reason):
    key = signed_in.session.session_key
    age_session(signed_in, **ages)
    response = signed_in.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()
    event = AccessEvent.objects.get(event_type=EventType.LOGOUT)
    assert event.detail == {"reason": reason}
    assert signed_in.get("/").status_code == 302  # and stays ended


def test_activity_keeps_a_session_alive(signed_in):
    age_session(signed_in, **{SESSION_LAST_SEEN: 14 * 60})
    assert signed_in.get("/").status_code == 200
    age_session(signed_in, **{SESSION_LAST_SEEN: 14 * 60})
    assert signed_in.get("/").status_code == 200


def test_pages_of_a_signed_in_user_are_not_stored_by_the_browser(signed_in):
    response = signed_in.get("/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_logout_ends_the_session_on_the_server(signed_in):
    key = signed_in.session.session_key
    signed_in.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    signed_in.cookies["sessionid"] = key  # the old cookie, replayed
    assert signed_in.get("/").status_code == 302


def test_the_session_id_changes_at_login(client):
    membership = MembershipFactory(user__username="sanne")
    secret = enrol_totp(membership.user)
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.post("/accounts/login/", {"login": "sanne", "password": "correct horse battery"})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/").status_code == 200
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_session_cookies_are_http_only_and_same_site(settings, client):
    client.get("/accounts/login/")
    cookie = client.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SECURE
