from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin
from consent.models import ConsentRegistration, Policy, PolicyChange


@admin.register(ConsentRegistration)
class ConsentRegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the registry is changed through its services (GP pages, point of care)."""

    list_display = ("registered_at", "scope", "decision", "source", "organisation_name")
    list_filter = ("decision", "scope", "source")
    show_full_result_count = False


class PolicyChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PolicyChange
    fields = ("changed_at", "kind", "changed_by_name", "before", "after", "reason")
    ordering = ("-changed_at", "-id")
    extra = 0


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: policies are changed on the policies page (/beleid/) only, through the
    services that write the history and the ledger event and drop the cached policies.
    A second way in here would skip one of them."""

    list_display = ("name", "is_on", "starts_at", "ends_at", "condition")
    inlines = (PolicyChangeInline,)
