"""Who may do what, for which organisation: the one place the portal decides.

Every view declares its policy with one of the decorators below; a test walks
the URL map and fails on any view that declares none (tests/portal/test_url_map.py).
Services that touch patient data check `membership_allows` again themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from portal.models import CLINICAL_ROLES, Membership, Organisation, Role, holds_admin_rights

SESSION_MEMBERSHIP = "active_membership_id"


class Refusal(PermissionDenied):
    """A refusal whose message is written for the user (translated): the 403 page shows it.
    Other PermissionDenied messages are for the ledger and the logs, not for the page."""


class Permission(models.TextChoices):
    VIEW_SUMMARY = "view_summary", _("Search patients and read their summaries")
    MANAGE_CONSENT = "manage_consent", _("Register patients' consent or refusal")
    VIEW_AUDIT = "view_audit", _("Read the organisation's access logs, alerts and reports")
    ADMINISTER = "administer", _("Manage organisations and accounts")


# Deny by default: a role has exactly these permissions, and only at these kinds of
# organisation. An administrator has no permission on patient data at all.
GRANTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    Role.TRIAGE: (frozenset({Permission.VIEW_SUMMARY}), frozenset({"hap", "seh"})),
    Role.DOCTOR: (frozenset({Permission.VIEW_SUMMARY}), frozenset({"hap", "seh"})),
    Role.GP: (frozenset({Permission.MANAGE_CONSENT}), frozenset({"gp_practice"})),
    Role.SUPERVISOR: (frozenset({Permission.VIEW_AUDIT}), frozenset({"hap", "seh"})),
    Role.ADMIN: (frozenset({Permission.ADMINISTER}), frozenset(Organisation.Kind.values)),
}


def membership_allows(membership: Membership | None, permission: Permission) -> bool:
    if membership is None or not membership.is_active or not membership.user.is_active:
        return False
    if membership.role in CLINICAL_ROLES and holds_admin_rights(membership.user):
        # An account with admin rights reads no patient data, whatever memberships
        # it was given (Membership.clean refuses them; this holds for older rows too).
        return False
    permissions, kinds = GRANTS.get(membership.role, (frozenset(), frozenset()))
    return permission in permissions and membership.organisation.kind in kinds


def _active_memberships_orm(user_id: int) -> list[Membership]:
    """The user's active memberships with their organisations (a person has a few at
    most), newest last: on other databases than PostgreSQL, and the reference for
    _active_memberships' statement (tests/portal/test_access.py compares them)."""
    return list(
        Membership.objects.filter(user_id=user_id, is_active=True)
        .select_related("organisation")
        .order_by("id")
    )


def _columns(model: type[models.Model], alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], ", ".join(f'{alias}."{f.column}"' for f in fields)


_MEMBERSHIP_FIELDS, _MEMBERSHIP_SELECT = _columns(Membership, "m")
_ORGANISATION_FIELDS, _ORGANISATION_SELECT = _columns(Organisation, "o")
# Every signed-in page reads this: written by hand, as the ORM's query cost ~0.4 ms of
# Python per page to build (docs/performance.md, "the GP page's fixed cost").
_ACTIVE_MEMBERSHIPS_SQL = (
    f"SELECT {_MEMBERSHIP_SELECT}, {_ORGANISATION_SELECT}"  # noqa: S608 (our columns only)
    f' FROM "{Membership._meta.db_table}" m'
    f' JOIN "{Organisation._meta.db_table}" o ON o."id" = m."organisation_id"'
    ' WHERE m."user_id" = %s AND m."is_active" ORDER BY m."id"'
)


def _active_memberships(user_id: int) -> list[Membership]:
    """The user's active memberships with their organisations, in one statement."""
    if connection.vendor != "postgresql":
        return _active_memberships_orm(user_id)
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_MEMBERSHIPS_SQL, [user_id])
        rows = cursor.fetchall()
    found, split = [], len(_MEMBERSHIP_FIELDS)
    for row in rows:
        membership = Membership.from_db(connection.alias, _MEMBERSHIP_FIELDS, row[:split])
        membership.organisation = Organisation.from_db(
            connection.alias, _ORGANISATION_FIELDS, row[split:]
        )
        found.append(membership)
    return found


def active_membership(request) -> Membership | None:
    """The membership the user acts under now; only ever one of their own, active ones."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_active_membership", None)
    if cached is not None:
        return cached
    chosen = request.session.get(SESSION_MEMBERSHIP)
    found = _active_memberships(request.user.pk)
    membership = next((m for m in found if m.pk == chosen), None)
    if membership is None and len(found) == 1:
        membership = found[0]  # only one: no need to choose
    if membership is not None:
        membership.user = request.user  # the same row, loaded once by the auth middleware
    request._active_membership = membership
    return membership


def deny(request, reason: str, membership: Membership | None = None) -> PermissionDenied:
    """Log the refusal in the ledger (committed on its own) and return the exception to raise."""
    from audit import events
    from audit.actors import Actor

    events.access_denied(
        actor=Actor.for_membership(membership) if membership else Actor.for_user(request.user),
        reason=reason,
        path=request.path,
    )
    return PermissionDenied(reason)


def membership_choose(request, membership_id: int) -> Membership:
    """Act for another of one's own organisations; anything else is refused."""
    membership = (
        Membership.objects.filter(pk=membership_id, user=request.user, is_active=True)
        .select_related("organisation", "user")
        .first()
    )
    if membership is None:
        raise deny(request, f"membership {membership_id} is not one of the user's own")
    request.session[SESSION_MEMBERSHIP] = membership.pk
    request._active_membership = membership
    return membership


def _mark(view: Callable, policy: str) -> Callable:
    view.access_policy = policy
    return view


def public(view: Callable) -> Callable:
    """No login needed (the health check). Never for anything with patient data."""
    return _mark(login_not_required(view), "public")


def _staff_only(request) -> None:
    """A patient's own account never reaches a staff page (nor a staff account theirs)."""
    if request.user.is_authenticated and request.user.is_patient:
        raise deny(request, "a patient's account on a staff page")


def authenticated(view: Callable) -> Callable:
    """Any signed-in staff member (with a second factor, see the middleware)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        _staff_only(request)
        return view(request, *args, **kwargs)

    return _mark(wrapped, "authenticated")


def patient(view: Callable) -> Callable:
    """A patient signed in with their own account (patients/); never a staff account."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # An anonymous visitor never gets here: LoginRequiredMiddleware sends them to log in.
        if not request.user.is_patient:
            raise deny(request, "a staff account on a patient's page")
        return view(request, *args, **kwargs)

    return _mark(wrapped, "patient")


def requires(permission: Permission) -> Callable[[Callable], Callable]:
    """The active membership must grant `permission`; otherwise 403 (or choose one first)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _staff_only(request)
            membership = active_membership(request)
            if membership is None:
                return redirect("choose_organisation")
            if not membership_allows(membership, permission):
                raise deny(request, f"role {membership.role} may not {permission}", membership)
            request.membership = membership
            return view(request, *args, **kwargs)

        return _mark(wrapped, f"requires:{permission}")

    return decorator
