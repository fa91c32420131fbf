"""The admin of the API's keys: issued per GP practice, shown once, stored hashed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from audit.admin import ReadOnlyAdminMixin
from registry.models import IdempotencyKey, PracticeAPIKey

# The library's own key model has no practice: not used here, so not offered either.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PracticeAPIKey)
class PracticeAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ("prefix", "name", "practice", "created", "expiry_date", "expired", "revoked")
    list_filter = ("revoked",)
    list_select_related = ("practice",)
    search_fields = ("name", "prefix", "=practice__agb", "practice__name")
    autocomplete_fields = ("practice",)
    fields = ("practice", "name", "prefix", "expiry_date", "revoked")

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, obj: PracticeAPIKey) -> bool:
        return obj.has_expired

    def get_readonly_fields(self, request, obj=None):
        # The practice of an issued key never changes: a new practice gets a new key.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "practice") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = PracticeAPIKey.objects.assign_key(obj)
        obj.save()
        # The only time the key is shown: only its hash is kept.
        messages.warning(
            request,
            gettext(
                "The API key for %(practice)s (%(name)s) is: %(key)s — copy it now into "
                "the practice's information system. It is not stored and cannot be shown "
                "again; if it is lost, revoke this key and issue a new one."
            )
            % {"practice": obj.practice.name, "name": obj.name, "key": key},
        )

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the ledger names keys by their prefix, which stays known.
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: which batches were received under which key (no patient data shown)."""

    list_display = ("key", "practice", "status_code", "created_at")
    list_select_related = ("practice",)
    search_fields = ("=key", "=practice__agb")
    fields = ("practice", "key", "request_sha256", "status_code", "created_at")
    readonly_fields = fields
