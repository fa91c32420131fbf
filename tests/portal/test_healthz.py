import json

import pytest

from tests.processes import run_python

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://:s3cret-broker-pw@127.0.0.1:1/0"


def test_healthz_is_ok_when_postgresql_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_when_the_broker_is_down_and_tells_no_secrets(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "broker": "error"}}
    assert b"s3cret" not in response.content
    assert b"127.0.0.1" not in response.content


def test_healthz_needs_no_login_but_other_pages_do(client):
    assert client.get("/healthz").status_code == 200
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_healthz_is_503_when_the_database_is_down():
    """A portal process whose PostgreSQL does not answer reports it."""
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    result = run_python(
        script,
        DATABASE_URL="postgres://spoed:db-pw-secret@127.0.0.1:1/spoedinzage",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="CRITICAL",
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "checks": {"database": "error", "broker": "ok"}}
    assert "db-pw-secret" not in body
