"""Shared fixtures. The suite runs against the real PostgreSQL and Redis named
by DATABASE_URL and REDIS_URL (`make test` provides both); it refuses to run
on anything else rather than skip what needs them."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from django.db import connections, transaction

# Playwright's sync API runs an event loop in the test thread; Django then
# believes it is in async code and refuses ORM calls (RECIPES.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL (the suite tests its triggers)")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must point at Redis (the suite runs a real Celery worker)")
    else:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at REDIS_URL does not answer: {exc}")
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not settings.DEBUG and not manifest.exists():
        problems.append(f"{manifest} is missing: run manage.py collectstatic first")
    if not os.path.exists(CHROMIUM):
        problems.append(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if problems:
        pytest.exit("Cannot run the suite:\n  " + "\n  ".join(problems) + "\nUse `make test`.", 2)


def _empty_ledger() -> None:
    """Remove the ledger rows a committed test wrote, so the flush can TRUNCATE.

    The triggers forbid this on purpose; a test database may bypass them
    with session_replication_role (superuser only), for this one transaction.
    """
    for alias in connections:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("DELETE FROM audit_accessevent")
            cursor.execute("DELETE FROM audit_ledgercheckpoint")
            cursor.execute("DELETE FROM consent_consentregistration")
            cursor.execute("DELETE FROM consent_policychange")
            cursor.execute("DELETE FROM audit_misusealert")


@pytest.fixture(autouse=True)
def _ledger_emptied_after_committed_tests(request):
    marker = request.node.get_closest_marker("django_db")
    committed = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )
    if not committed:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    _empty_ledger()


def forget_rate_limits() -> None:
    """allauth keeps its rate-limit history in the cache (Redis), which outlives each
    test's database: one test's failed logins must not throttle the next test."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(
        client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*:allauth:rl:*")
    )
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _ledger_anchors_of_the_test(tmp_path_factory):
    """Timestamp files (audit.anchors) of each test's own: never var/'s, where a demo with an
    authority may have written some. Not through the `settings` fixture: requested here, it
    would be set up before _rate_limits_forgotten and so undone after it, which would then
    run with a test's changed REDIS_URL."""
    from django.test import override_settings

    with override_settings(LEDGER_ANCHOR_DIR=tmp_path_factory.mktemp("anchors")):
        yield


@pytest.fixture(autouse=True)
def _rate_limits_forgotten():
    yield
    forget_rate_limits()


@pytest.fixture(autouse=True)
def _policies_read_fresh():
    """The policies are cached in Redis, which outlives each test's database."""
    from consent.selectors import policies_changed

    policies_changed()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: no browser download is possible on these machines.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
