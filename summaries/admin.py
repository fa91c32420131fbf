from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from summaries.models import GpPractice, QuarantinedItem, Summary
from summaries.services.quarantine import quarantine_reprocess
from summaries.services.store_lock import store_lock_shared
from summaries.tasks import pull_practice_task


@admin.register(GpPractice)
class GpPracticeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "agb",
        "is_active",
        "healthy",
        "last_success_at",
        "last_error_at",
        "consecutive_failures",
        "open_quarantine",
        "watermark",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "=agb", "=ura")
    readonly_fields = (
        "watermark",
        "last_pull_started_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "consecutive_failures",
        "last_counts",
    )
    exclude = ("lease_until",)
    actions = ("pull_now",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_quarantine_count=Count("quarantine", filter=Q(quarantine__status="open"))
            )
        )

    @admin.display(boolean=True, description=_("healthy"))
    def healthy(self, obj):
        return obj.healthy

    @admin.display(description=_("quarantined (open)"), ordering="open_quarantine_count")
    def open_quarantine(self, obj):
        return obj.open_quarantine_count

    @admin.action(description=_("Pull now"))
    def pull_now(self, request, queryset):
        for practice in queryset:
            pull_practice_task.delay(practice.pk)
        self.message_user(request, _("%d pull(s) queued.") % queryset.count())


@admin.register(QuarantinedItem)
class QuarantinedItemAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "practice",
        "resource_type",
        "resource_id",
        "reason",
        "status",
        "attempts",
        "size_bytes",
    )
    list_filter = ("status", "kind", "resource_type")
    search_fields = ("reason", "=resource_id")
    exclude = ("payload",)
    readonly_fields = (
        "practice",
        "reason",
        "resource_type",
        "resource_id",
        "patient_bsn",
        "kind",
        "size_bytes",
        "attempts",
        "resolved_at",
    )
    actions = ("reprocess",)

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # The store lock first, as every writer of the quarantine (summaries.services.
        # store_lock), and only what the form changed: saving the whole row would write back
        # a payload that a refusal's purge emptied after the form read it.
        store_lock_shared()
        obj.save(update_fields=form.changed_data)

    @admin.action(description=_("Reprocess"))
    def reprocess(self, request, queryset):
        imported = sum(quarantine_reprocess(item=item) for item in queryset)
        level = messages.SUCCESS if imported else messages.WARNING
        self.message_user(
            request,
            _("%(n)d of %(total)d imported.") % {"n": imported, "total": queryset.count()},
            level,
        )


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    """Metadata only: administrators do not read summaries (that is triage's, with consent)."""

    list_display = (
        "id",
        "practice",
        "fetched_at",
        "source_updated_at",
        "size_bytes",
        "fhir_version",
    )
    fields = list_display
    readonly_fields = list_display
    list_select_related = ("practice",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
