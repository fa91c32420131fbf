"""Pages of the portal itself: the start page and the health check."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.selectors import memberships_for_user

logger = logging.getLogger(__name__)


def home(request):
    return render(
        request, "portal/home.html", {"memberships": memberships_for_user(user=request.user)}
    )


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        return "error"
    return "ok"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "in-process"  # embedded default: tasks run in the web process
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception:
        logger.exception("health check: broker unreachable")
        return "error"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise.

    Says only ok/error per dependency: hosts, users and error texts stay in
    the logs, never in a response anyone can fetch.
    """
    checks = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(status != "error" for status in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
