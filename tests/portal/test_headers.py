"""Security headers on the portal's and the admin's pages, and what a refused request logs."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from portal.models import Role
from tests.factories import MembershipFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db

STRICT_POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# What the policy refuses to run: a <script> with a body (not a JSON data block such as
# allauth's), a <style> block, a style="" or on…="" attribute, a javascript: link.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    r"|<style\b|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def assert_strict_and_inline_free(response):
    assert response.status_code == 200
    assert policy_of(response) == STRICT_POLICY
    assert INLINE.findall(response.content.decode()) == []


def test_login_page_has_the_strict_content_security_policy(client):
    assert_strict_and_inline_free(client.get("/accounts/login/"))


@pytest.fixture
def superuser(client):
    membership = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return membership.user


@pytest.mark.parametrize("path", ["/admin/", "/admin/portal/organisation/"])
def test_admin_pages_have_the_strict_content_security_policy(client, superuser, path):
    assert_strict_and_inline_free(client.get(path))


def test_behind_the_tls_proxy_plain_http_is_redirected_and_https_gets_hsts(client, settings):
    """The production settings behind deploy/nginx.conf (TRUSTED_PROXIES set)."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR
    settings.PROXY_SECRET = ""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    http = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    assert (http.status_code, http["Location"]) == (301, "https://testserver/accounts/login/")
    assert client.get("/healthz").status_code == 200  # the host's own monitor
    https = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert https.status_code == 200
    assert https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- A refused request is one line in the log, with its reason ----------------------------


@pytest.fixture
def console():
    """What the log handlers on the path of Django's records write, line by line (the JSON
    console, and any other handler a default configuration may have left attached)."""
    streams: list[tuple[logging.StreamHandler, object]] = []
    buffer = io.StringIO()
    for name in ("django.request", "django.security.csrf", "django", ""):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler) and not type(
                handler
            ).__module__.startswith("_pytest"):
                streams.append((handler, handler.setStream(buffer)))
    yield lambda: buffer.getvalue().splitlines()
    for handler, stream in streams:
        handler.setStream(stream)


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    # `make run` runs with DEBUG on; Django's default logging behaves differently there.
    settings.DEBUG = request.param
    return request.param


def warnings_of(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_forbidden_request_logs_one_line_with_its_reason(client, caplog, console, debug):
    mine, theirs = MembershipFactory(), MembershipFactory()
    enrol_totp(mine.user)
    client.force_login(mine.user)
    caplog.set_level(logging.INFO)

    response = client.post("/organisatie/?bsn=999911120", {"membership": theirs.pk})

    assert response.status_code == 403
    [record] = warnings_of(caplog)
    assert record.name == "django.request"
    assert record.exc_info is None and record.exc_text is None
    reason = f"membership {theirs.pk} is not one of the user's own"
    assert record.getMessage() == f"Forbidden (Permission denied): /organisatie/ — {reason}"
    lines = [line for line in console() if "Forbidden" in line]
    assert len(lines) == 1, console()
    assert json.loads(lines[0])["reason"] == reason
    assert "Traceback" not in "\n".join(console())
    assert "999911120" not in "\n".join(console())  # the path, never the query string


def test_a_request_without_csrf_token_logs_one_line_with_its_reason(caplog, console, debug):
    from django.test import Client

    caplog.set_level(logging.INFO)
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/?bsn=999911120", {"login": "x", "password": "y"}
    )

    assert response.status_code == 403
    [record] = warnings_of(caplog)
    assert record.name == "django.security.csrf" and record.exc_info is None
    assert "CSRF" in record.getMessage()
    assert len([line for line in console() if "Forbidden" in line]) == 1, console()
    assert "999911120" not in "\n".join(console())
