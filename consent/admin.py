from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.actors import Actor
from audit.admin import ReadOnlyAdminMixin
from consent.models import ConsentRegistration, Policy
from consent.selectors import policies_changed
from consent.services import policy_switch
from portal.access import active_membership


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
