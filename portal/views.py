"""Pages of the portal itself: the start page and the health check."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import set_language as django_set_language

from portal.access import (
    Permission,
    Refusal,
    active_membership,
    authenticated,
    membership_allows,
    membership_choose,
    public,
)
from portal.selectors import memberships_for_user
from portal.uzi import UziCardRefused
from portal.uzi_login import uzi_card_for_request, uzi_login_accepted, uzi_login_refused

logger = logging.getLogger(__name__)


@authenticated
def home(request):
    membership = active_membership(request)
    memberships = memberships_for_user(user=request.user)
    if membership is None and memberships:
        return redirect("choose_organisation")
    allowed = [p for p in Permission if membership_allows(membership, p)]
    return render(
        request,
        "portal/home.html",
        {"membership": membership, "memberships": memberships, "permissions": allowed},
    )


@authenticated
@require_http_methods(["GET", "POST"])
def choose_organisation(request):
    """Which organisation the user acts for now (when they have several)."""
    if request.method == "POST":
        try:
            membership_id = int(request.POST.get("membership", ""))
        except ValueError:
            membership_id = -1
        membership_choose(request, membership_id)  # 403 unless one of their own
        return redirect("home")
    return render(
        request,
        "portal/choose_organisation.html",
        {
            "memberships": memberships_for_user(user=request.user),
            "active": active_membership(request),
        },
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


@public
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


@public
def set_language(request):
    """Dutch or English, also on the login page."""
    return django_set_language(request)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def uzi_login(request):
    """Log in with a UZI-pas: the TLS proxy verified the card and forwards its certificate.

    Believed only from a trusted proxy that proves itself with PROXY_SECRET and says it
    verified the client. The card and its PIN are two factors: no TOTP is asked. Only by
    POST from the login page's button (with its CSRF token): a plain GET — a link, an
    image, a script on the same host — signs nobody in.
    """
    if request.method != "POST":
        return redirect("account_login")
    try:
        card, membership = uzi_card_for_request(request)
    except UziCardRefused as refusal:
        uzi_login_refused(request, refusal)
        return render(request, "account/uzi_refused.html", {"reason": refusal.reason}, status=403)
    uzi_login_accepted(request, card=card, membership=membership)
    return redirect("home")


@public
def not_offered(request, *args, **kwargs):
    """allauth flows the portal switches off: a plain 404, for anyone, by any method."""
    raise Http404("not offered: accounts are issued by the organisation")


def permission_denied(request, exception=None):
    """The 403 page; a Refusal says why, in the user's language, and what to do next."""
    message = str(exception) if isinstance(exception, Refusal) else ""
    return render(request, "403.html", {"message": message}, status=403)
