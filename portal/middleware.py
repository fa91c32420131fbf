"""Request context for the ledger and the logs."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django_guid import get_guid

from audit import context as request_context

logger = logging.getLogger("portal.request")


# Headers that only a trusted proxy may set. From anyone else they are removed before
# anything reads them: X-Forwarded-Proto would make Django believe the request came over
# https (SECURE_PROXY_SSL_HEADER), X-Forwarded-For would name another client.
PROXY_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_SSL_CLIENT_CERT",
    "HTTP_X_SSL_CLIENT_VERIFY",
)


def from_trusted_proxy(request) -> bool:
    """Sent by our TLS proxy: from one of TRUSTED_PROXIES and, where a PROXY_SECRET is
    configured, carrying it (any other process on the proxy's host lacks it)."""
    if request.META.get("REMOTE_ADDR", "") not in settings.TRUSTED_PROXIES:
        return False
    if not settings.PROXY_SECRET:
        return True
    sent = request.META.get(settings.PROXY_SECRET_HEADER, "")
    return hmac.compare_digest(sent.encode(), settings.PROXY_SECRET.encode())


def via_trusted_proxy(request) -> bool:
    """Decided once per request, by RequestContextMiddleware (which then drops the secret)."""
    trusted = getattr(request, "via_trusted_proxy", None)
    return from_trusted_proxy(request) if trusted is None else trusted


def client_address(request) -> str:
    """The client's address, for the ledger, allauth and axes alike (the one place):
    X-Forwarded-For only when a trusted proxy sent it."""
    remote = request.META.get("REMOTE_ADDR", "")
    if via_trusted_proxy(request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is its own view.
        candidate = forwarded.split(",")[-1].strip() if forwarded else ""
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


class RequestContextMiddleware:
    """Stamps each request with its start time, request id and client, and logs it.

    The log line carries method, path, status and duration, but never the
    query string, which could hold a BSN.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.via_trusted_proxy = from_trusted_proxy(request)
        request.META.pop(settings.PROXY_SECRET_HEADER, None)  # read once, kept nowhere
        if not request.via_trusted_proxy:
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        token = request_context.set_current(
            request_context.RequestContext(
                request_id=get_guid() or "",
                client_address=client_address(request),
                started_at=timezone.now(),
                session_key=lambda: getattr(getattr(request, "session", None), "session_key", None),
            )
        )
        request.started_at = request_context.current().started_at
        try:
            response = self.get_response(request)
        finally:
            request_context.reset_current(token)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose English with the language switch.

    The browser's Accept-Language is ignored on purpose: a Dutch post's
    workstations often run an English browser, and its staff expect the
    Dutch interface; English is one click away and remembered in a cookie.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# Paths a signed-in user without a second factor may still use: enrolling one,
# leaving, and what every page needs. Everything else — above all patient data —
# waits until a second factor is in place.
ENROLMENT_PATHS = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/i18n/",
    "/healthz",
)


# A new patient's account confirms its e-mail address before anything else (allauth
# sets up no second factor for an unconfirmed address): only these paths until then.
CONFIRMATION_PATHS = (
    "/accounts/confirm-email/",
    "/mijn/e-mail/",
    "/accounts/logout/",
    "/i18n/",
    "/healthz",
)


# True while a signed-in user without any second factor enrols their first one:
# the login a moment ago is proof enough, allauth need not ask for the password
# again (portal.adapters.AccountAdapter.is_reauthentication_required).
first_enrolment: ContextVar[bool] = ContextVar("first_enrolment", default=False)


SECOND_FACTOR_SEEN = "second_factor_seen"


class SecondFactorRequiredMiddleware:
    """Every staff account needs TOTP or a security key before it reaches the portal.

    A UZI-pas login is itself two factors (the card and its PIN) and passes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        lacking = (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL)
            and request.session.get("auth_method") != "uzi"
            and not request.session.get(SECOND_FACTOR_SEEN)
            and not has_second_factor(user)
        )
        if (
            user is not None
            and user.is_authenticated
            and not lacking
            and SECOND_FACTOR_SEEN not in request.session
        ):
            # Remembered for the session (one query less on every page); removing an
            # authenticator forgets it again (portal.apps: authenticator_removed).
            request.session[SECOND_FACTOR_SEEN] = True
        token = first_enrolment.set(lacking)
        try:
            return self._respond(request, lacking)
        finally:
            first_enrolment.reset(token)

    def _respond(self, request, lacking: bool):
        if not lacking:
            return self.get_response(request)
        if request.user.is_patient and has_unconfirmed_address(request.user):
            if request.path.startswith(CONFIRMATION_PATHS):
                return self.get_response(request)
            return redirect("patient_email")
        if not request.path.startswith(ENROLMENT_PATHS):
            messages.info(
                request,
                translation.gettext(
                    "Set up a second factor first: an authenticator app (TOTP) or a security key."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_unconfirmed_address(user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=False).exists()


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


SESSION_STARTED = "session_started_at"
SESSION_LAST_SEEN = "session_last_seen_at"


class SessionLimitsMiddleware:
    """Sessions end after SESSION_IDLE_SECONDS without a request, and after
    SESSION_ABSOLUTE_SECONDS (a shift) in any case; pages of a signed-in user are
    never stored by the browser, so the back button after logout shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            reason = (
                "idle"
                if now - last_seen > settings.SESSION_IDLE_SECONDS
                else "shift"
                if now - started > settings.SESSION_ABSOLUTE_SECONDS
                else ""
            )
            if reason:
                return self._expire(request, reason)
            # Written at most once a minute: a session write on every request costs.
            if now - last_seen > 60 or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # Cache-Control: no-store, private, …
        return response

    def _expire(self, request, reason: str):
        from allauth.account.adapter import get_adapter

        request.logout_reason = reason
        get_adapter(request).logout(request)  # ledger LOGOUT, session flushed server-side
        messages.info(
            request,
            translation.gettext("You were idle too long: log in again.")
            if reason == "idle"
            else translation.gettext("Your session lasted a whole shift: log in again."),
        )
        return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
