"""Every change made in the admin also goes into the access ledger.

Django's admin calls log_addition / log_change / log_deletions for each change,
inside the change's transaction: writing the ledger event there means a change
that cannot be logged is rolled back. Every ModelAdmin registered on the site,
our own and those of allauth, axes and auth, gets this (PortalConfig.ready).
"""

from __future__ import annotations

from django.contrib import admin

from audit import events
from audit.actors import Actor
from audit.models import Action


def admin_actor(request) -> Actor:
    from portal.access import active_membership

    membership = active_membership(request)
    return Actor.for_membership(membership) if membership else Actor.for_user(request.user)


def _record(request, obj, action: Action, change: object) -> None:
    events.admin_changed(
        actor=admin_actor(request),
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        label=str(obj),
        change=change,
    )


# Reading these in the admin is itself an event: access to the log is logged (NEN 7513),
# and so is looking into anyone's account, second factor or lockouts.
LOGGED_READS = frozenset(
    {
        "audit.accessevent",
        "audit.ledgercheckpoint",
        "audit.misusealert",
        "portal.user",
        "mfa.authenticator",
        "account.emailaddress",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
    }
)


def _record_read(request, model, object_id: str | None) -> None:
    events.admin_read(
        actor=admin_actor(request),
        model=model._meta.label_lower,
        object_id=object_id or "",
        query=request.GET.urlencode(),
    )


class LedgeredAdminMixin:
    def _reading(self, request, object_id: str | None = None) -> None:
        """Before the page is built: if the read cannot be logged, nothing is shown."""
        if request.method == "GET" and self.model._meta.label_lower in LOGGED_READS:
            _record_read(request, self.model, object_id)

    def changelist_view(self, request, extra_context=None):
        self._reading(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._reading(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._reading(request, object_id)
        return super().history_view(request, object_id, extra_context)

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
