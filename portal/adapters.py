"""allauth hooks: closed sign-up, and every login, failure and logout in the ledger."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.urls import reverse

from audit import events
from audit.actors import Actor
from portal.access import SESSION_MEMBERSHIP
from portal.middleware import SESSION_STARTED, client_address
from portal.models import Membership


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts of healthcare staff are issued by an administrator who
        # checked the person's registration; nobody signs themselves up.
        return False

    def get_login_redirect_url(self, request) -> str:
        # A patient's account has its own pages (patients/); staff start at the home page.
        if request.user.is_patient:
            return reverse("patient_home")
        return super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address) -> str:
        # Only patients confirm an address (staff accounts have none to confirm).
        return reverse("patient_home")

    def get_client_ip(self, request) -> str:
        # allauth's rate limits key on this: the one client address of the portal
        # (X-Forwarded-For only from TRUSTED_PROXIES), not the proxy's own address.
        return client_address(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        from portal.middleware import first_enrolment  # noqa: PLC0415

        if app == "allauth.mfa" and first_enrolment.get():
            return False  # the first second factor, right after the password
        return super().is_reauthentication_required(app=app, **kwargs)

    @transaction.atomic
    def login(self, request, user) -> None:
        # Logged after django's login, so the event carries the new
        # (rotated) session; if the event fails, the login is rolled back
        # and the exception ends the request.
        super().login(request, user)
        request.session[SESSION_STARTED] = time.time()  # the shift limit counts from here
        membership = (
            Membership.objects.filter(pk=request.session.get(SESSION_MEMBERSHIP), user=user)
            .select_related("organisation", "user")
            .first()
        )
        events.login_succeeded(
            actor=Actor.for_membership(membership) if membership else Actor.for_user(user),
            method=request.session.get("uzi_card") or {"method": "password+second factor"},
        )

    @transaction.atomic
    def logout(self, request) -> None:
        if request.user.is_authenticated:
            # "user" (the logout button), "idle" or "shift" (portal.middleware).
            reason = getattr(request, "logout_reason", "user")
            events.logged_out(actor=Actor.for_user(request.user), reason=reason)
        # Django's logout sends user_logged_out, inside this transaction: triage ends the
        # user's open encounter then (triage.apps), as the access grant ends with the session.
        super().logout(request)

    def authentication_failed(self, request, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        attempted = str(credentials.get("username") or credentials.get("login") or "")[:150]
        events.login_failed(actor=Actor(username=attempted, name=""))
