from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent, LedgerCheckpoint, MonitoringWatermark


class ReadOnlyAdminMixin:
    """For records that only their services write (the ledger, the registry, summaries)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the ledger is append-only, also for administrators."""

    list_display = (
        "seq",
        "occurred_at",
        "event_type",
        "outcome",
        "user_username",
        "organisation_name",
        "patient_bsn",
        "consent_basis",
    )
    list_filter = ("event_type", "outcome", "consent_basis")
    search_fields = ("=patient_bsn", "=user_username", "=user_uzi", "=request_id")
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        # Supervisors get their own organisation's log pages (roadmap 6);
        # until then only a superuser reads the raw ledger.
        return request.user.is_superuser


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("seq", "hash", "created_at", "timestamped")
    exclude = ("timestamp_token",)  # bytes; the proof is the file outside the database

    @admin.display(boolean=True, description=_("timestamped (RFC 3161)"))
    def timestamped(self, checkpoint: LedgerCheckpoint) -> bool:
        return checkpoint.timestamp_token is not None


@admin.register(MonitoringWatermark)
class MonitoringWatermarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """How far the monitoring scan has read the ledger (docs/monitoring.md): a scan that
    stopped shows as a last scan long ago."""

    list_display = ("seq", "scanned_at")

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
