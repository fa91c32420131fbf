"""Request ids reach the response, the JSON log lines and the access events."""

import io
import json
import logging

import pytest

from audit.context import session_ref_for
from audit.models import AccessEvent, EventType
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_each_request_gets_an_id_in_the_response_header(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_valid_incoming_request_id_is_kept(client):
    incoming = "0f9a4b1c2d3e4f5a6b7c8d9e0f1a2b3c"
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming


@pytest.fixture
def log_output():
    """What the configured console handler (JSON formatter) writes."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_log_lines_are_json_with_the_request_id_and_no_query_string(client, log_output):
    response = client.get("/healthz?bsn=999911120")
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    request_lines = [line for line in lines if line["logger"] == "portal.request"]
    assert request_lines, lines
    line = request_lines[-1]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")
    assert "999911120" not in json.dumps(lines)


def test_login_writes_an_event_with_request_id_client_and_session(client):
    membership = MembershipFactory(user__username="sanne")
    response = client.post(
        "/accounts/login/",
        {"login": "sanne", "password": "correct horse battery"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 302
    event = AccessEvent.objects.get(event_type=EventType.LOGIN)
    assert event.user_username == "sanne"
    assert event.user_uzi == membership.user.uzi_number
    assert event.request_id == response["X-Request-ID"]
    assert event.client_address == "192.0.2.10"
    # The session after login (the key is rotated at login).
    assert event.session_ref == session_ref_for(client.session.session_key)


def test_failed_login_is_an_event_without_the_password(client):
    MembershipFactory(user__username="sanne")
    response = client.post("/accounts/login/", {"login": "sanne", "password": "wrong-guess-123"})
    assert response.status_code == 200
    event = AccessEvent.objects.get(event_type=EventType.LOGIN_FAILED)
    assert (event.user_username, event.outcome) == ("sanne", 4)
    assert "wrong-guess-123" not in json.dumps(event.detail)
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()


def test_logout_is_an_event(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    client.post("/accounts/logout/")
    assert AccessEvent.objects.filter(
        event_type=EventType.LOGOUT, user_username=membership.user.username
    ).exists()


def test_forwarded_address_is_believed_only_from_a_trusted_proxy(client, settings):
    MembershipFactory(user__username="sanne")
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    credentials = {"login": "sanne", "password": "correct horse battery"}
    client.post(
        "/accounts/login/", credentials, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    client.logout()
    client.post(
        "/accounts/login/",
        credentials,
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    addresses = list(
        AccessEvent.objects.filter(event_type=EventType.LOGIN).values_list(
            "client_address", flat=True
        )
    )
    assert addresses == ["198.51.100.7", "203.0.113.5"]
