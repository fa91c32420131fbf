"""Every change made in the admin also goes into the access ledger.

Django's admin calls log_addition / log_change / log_deletions for each change,
inside the change's transaction: writing the ledger event there means a change
that cannot be logged is rolled back. Every ModelAdmin registered on the site,
our own and those of allauth, axes and auth, gets this (PortalConfig.ready).
"""

from __future__ import annotations

from django.contrib import admin

from audit.actors import Actor
from audit.models import Action, EventType, Purpose
from audit.services import access_event_record


def _actor(request) -> Actor:
    from portal.access import active_membership

    membership = active_membership(request)
    return Actor.for_membership(membership) if membership else Actor.for_user(request.user)


def _record(request, obj, action: Action, change: object) -> None:
    access_event_record(
        event_type=EventType.ADMIN_CHANGE,
        action=action,
        actor=_actor(request),
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={
            "model": obj._meta.label_lower,
            "object_id": str(obj.pk),
            "object": str(obj)[:200],
            "change": change if isinstance(change, list) else str(change),
        },
    )


class LedgeredAdminMixin:
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        _record(request, obj, Action.CREATE, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        _record(request, obj, Action.UPDATE, message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            _record(request, obj, Action.DELETE, "deleted")
        return entries


def ledger_every_model_admin(site: admin.AdminSite) -> None:
    """Give every registered ModelAdmin the ledger mixin (once)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, LedgeredAdminMixin):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(f"Ledgered{cls.__name__}", (LedgeredAdminMixin, cls), {}))


class ReadOnlyAdminMixin:
    """For records that only their services write (the ledger, the registry, summaries)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
