"""The contacts call as OpenAPI sees it (drf-spectacular). The body is checked by
oversight/reconciliation/parsing.py, as a file is; these serializers describe the same rules
for the schema, and schemathesis holds the two together (tests/registry/test_api_schema.py)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from oversight.reconciliation.parsing import LOCATION_MAX_LENGTH, LOCATION_PATTERN
from registry.api.serializers import BSN_PATTERN


class ContactSerializer(serializers.Serializer):
    bsn = serializers.RegexField(
        BSN_PATTERN, help_text="The patient's BSN: 9 digits that pass the 11-test."
    )
    contact_at = serializers.DateTimeField(
        help_text=(
            "When the contact took place (RFC 3339 with a UTC offset); not in the future, "
            f"not more than {settings.RECONCILIATION_MAX_AGE_DAYS} days "
            "(RECONCILIATION_MAX_AGE_DAYS) ago."
        )
    )
    location = serializers.RegexField(
        LOCATION_PATTERN,
        max_length=LOCATION_MAX_LENGTH,
        help_text="Where: the post, the department, a visit. Not blank; no control characters.",
    )


class ContactsSerializer(serializers.Serializer):
    contacts = serializers.ListField(
        child=ContactSerializer(),
        min_length=1,
        max_length=settings.RECONCILIATION_API_MAX_CONTACTS,
        help_text=(
            "The organisation's contacts, all or nothing. A contact sent before (the same "
            "BSN, time and location) is not added again."
        ),
    )


class ContactsLoadedSerializer(serializers.Serializer):
    upload = serializers.IntegerField(help_text="The upload's id.")
    received = serializers.IntegerField(min_value=1, help_text="Contacts in the request.")
    added = serializers.IntegerField(min_value=0, help_text="Contacts not registered before.")
    already_registered = serializers.IntegerField(
        min_value=0, help_text="Contacts registered before: not added again."
    )
    first_contact = serializers.DateTimeField()
    last_contact = serializers.DateTimeField()


class ContactsLoadedBeforeSerializer(ContactsLoadedSerializer):
    """The answer to a body sent before (a retry): the earlier upload's, unchanged."""

    loaded_at = serializers.DateTimeField(help_text="When the earlier upload was loaded.")
    detail = serializers.CharField(help_text="That nothing was loaded again, and why.")


# The request bodies that refuse fields they do not name.
CLOSED_COMPONENTS = ("ContactRequest", "ContactsRequest")


def request_bodies_as_checked(result, generator, request, public):
    """drf-spectacular postprocessing hook: unknown fields are refused
    (additionalProperties: false), as parsing.contacts_from_json refuses them."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    return result
