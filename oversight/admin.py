"""The admin of the organisations' API keys for contact registrations: issued per HAP or SEH,
shown once, stored hashed (as the GP practices' keys, registry/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from oversight.models import OrganisationAPIKey


@admin.register(OrganisationAPIKey)
class OrganisationAPIKeyAdmin(APIKeyModelAdmin):
    list_display = (
        "prefix",
        "name",
        "organisation",
        "created",
        "expiry_date",
        "expired",
        "revoked",
    )
    list_filter = ("revoked",)
    list_select_related = ("organisation",)
    search_fields = ("name", "prefix", "=organisation__ura", "organisation__name")
    autocomplete_fields = ("organisation",)
    fields = ("organisation", "name", "prefix", "expiry_date", "revoked")

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, obj: OrganisationAPIKey) -> bool:
        return obj.has_expired

    def get_readonly_fields(self, request, obj=None):
        # The organisation of an issued key never changes: another one gets a key of its own.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "organisation") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = OrganisationAPIKey.objects.assign_key(obj)
        obj.save()
        # The only time the key is shown: only its hash is kept.
        messages.warning(
            request,
            gettext(
                "The API key for %(organisation)s (%(name)s) is: %(key)s — copy it now into "
                "the organisation's information system. It is not stored and cannot be shown "
                "again; if it is lost, revoke this key and issue a new one."
            )
            % {"organisation": obj.organisation.name, "name": obj.name, "key": key},
        )

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the ledger names keys by their prefix, which stays known.
        return False
