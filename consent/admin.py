from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.actors import Actor
from consent.models import ConsentRegistration, MisuseAlert, Policy
from consent.selectors import policies_changed
from consent.services import policy_switch
from portal.access import active_membership
from portal.admin_ledger import ReadOnlyAdminMixin


@admin.register(ConsentRegistration)
class ConsentRegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the registry is changed through its services (GP pages, point of care)."""

    list_display = ("registered_at", "scope", "decision", "source", "organisation_name")
    list_filter = ("decision", "scope", "source")
    show_full_result_count = False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_on", "starts_at", "ends_at", "condition")
    readonly_fields = ("is_on",)
    actions = ("switch_on", "switch_off")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(policies_changed)

    def _switch(self, request, queryset, on: bool) -> None:
        membership = active_membership(request)
        actor = Actor.for_membership(membership) if membership else Actor.for_user(request.user)
        for policy in queryset:
            policy_switch(policy=policy, on=on, actor=actor, reason=f"admin action by {actor.name}")
        self.message_user(
            request, _("%d policy/policies switched.") % queryset.count(), messages.SUCCESS
        )

    @admin.action(description=_("Switch on"))
    def switch_on(self, request, queryset):
        self._switch(request, queryset, True)

    @admin.action(description=_("Switch off (the stop button)"))
    def switch_off(self, request, queryset):
        self._switch(request, queryset, False)


@admin.register(MisuseAlert)
class MisuseAlertAdmin(admin.ModelAdmin):
    """Until the supervisor pages come (roadmap 6): alerts are read here, each only within
    its own organisation, and never deleted (the database refuses it too, migration 0006).
    The one thing to change is "reviewed"; a reviewed alert stays as it is."""

    list_display = (
        "last_seen_at",
        "kind",
        "username",
        "user_name",
        "organisation_name",
        "hits",
        "reviewed",
    )
    list_filter = ("kind", "reviewed")
    fields = (
        "kind",
        "username",
        "user_name",
        "organisation_ura",
        "organisation_name",
        "first_seen_at",
        "last_seen_at",
        "hits",
        "detail",
        "reviewed",
    )
    readonly_fields = fields[:-1]

    def get_queryset(self, request):
        # An HAP's administrator does not see the SEH's alerts: only those of the
        # organisation the viewer acts for now; without one, none.
        membership = active_membership(request)
        ura = membership.organisation.ura if membership else ""
        if not ura:
            return super().get_queryset(request).none()
        return super().get_queryset(request).filter(organisation_ura=ura)

    def has_add_permission(self, request):
        return False  # alerts come from consent.alerts.misuse_alert_raise only

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.reviewed:
            return False  # reviewed alerts stay as they are: a new hit opens a new alert
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
