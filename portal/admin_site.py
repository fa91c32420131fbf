"""The admin signs in and out through allauth, like every other page.

Django's admin has its own login form, which skips the second factor, the
lockout and the ledger's LOGIN event: a signed-in supervisor who typed the
superuser's password there became that superuser. allauth's documented fix
(`secure_admin_login`) still hands a POST from a signed-in staff member to that
form, so the form is not reached at all: anonymous visitors go to allauth's
login, staff to the admin index, anyone else gets a 403.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.access import authenticated, deny, public


def _safe_next(request) -> str:
    wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("admin:index")


@public
@never_cache
def admin_login(request, extra_context=None):
    if not request.user.is_authenticated:
        query = urlencode({REDIRECT_FIELD_NAME: _safe_next(request)})
        return redirect(f"{settings.LOGIN_URL_PATH}?{query}")
    if admin.site.has_permission(request):
        return redirect(_safe_next(request))
    # Signed in, but not staff: the admin is not theirs, whatever they type.
    raise deny(request, "the admin login is for staff only; signed in as someone else")


@authenticated
@never_cache
@require_POST
def admin_logout(request, extra_context=None):
    # allauth's logout writes the LOGOUT event and ends the patient encounter.
    get_adapter(request).logout(request)
    return redirect(settings.LOGIN_URL_PATH)


def route_admin_through_allauth(site: admin.AdminSite) -> None:
    site.login = admin_login
    site.logout = admin_logout
