"""The API's bodies as OpenAPI sees them (drf-spectacular), and the lookup's output.

The requests are checked by registry/api/rows.py (fast, for 5,000 rows); these serializers
describe the same rules for the schema: required fields, patterns, lengths, choices, and no
other fields (additionalProperties: false, added by `closed_request_bodies`)."""

from __future__ import annotations

from rest_framework import serializers

from consent.models import Decision, Scope, Source
from registry.api.rows import NOTE_MAX_LENGTH, NOTE_PATTERN

BSN_PATTERN = r"^[0-9]{9}$"
# Visible ASCII, no spaces: a UUID fits, and so does most else a system makes up.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"


class RegistrationRowSerializer(serializers.Serializer):
    bsn = serializers.RegexField(
        BSN_PATTERN, help_text="The patient's BSN: 9 digits that pass the 11-test."
    )
    birth_date = serializers.DateField(
        help_text="The patient's birth date, as the practice's records have it."
    )
    scope = serializers.ChoiceField(
        choices=Scope.choices, help_text="For which: HAP, SEH, or both."
    )
    decision = serializers.ChoiceField(
        choices=Decision.choices,
        help_text="consent, refusal, or blank (withdraws an earlier choice).",
    )
    registered_at = serializers.DateTimeField(
        required=False,
        help_text=(
            "When the patient made the choice (RFC 3339 with a UTC offset); not in the "
            "future. Default: when the batch is received."
        ),
    )
    by_representative = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The patient chose through a representative (a parent, a guardian).",
    )
    note = serializers.RegexField(
        NOTE_PATTERN,
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Free text kept with the registration; no control characters.",
    )


class BatchSerializer(serializers.Serializer):
    registrations = serializers.ListField(
        child=RegistrationRowSerializer(),
        min_length=1,
        max_length=5000,
        help_text="At most 5,000 registrations; each patient and scope at most once.",
    )


class RegisteredRowSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, help_text="The row's place in the request.")
    id = serializers.IntegerField(help_text="The registration's id.")
    registered_at = serializers.DateTimeField()


class BatchRegisteredSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField()
    registered = serializers.IntegerField(min_value=1)
    registrations = RegisteredRowSerializer(many=True)


class LookupSerializer(serializers.Serializer):
    bsn = serializers.RegexField(BSN_PATTERN, help_text="9 digits that pass the 11-test.")
    birth_date = serializers.DateField()


class CurrentChoiceSerializer(serializers.Serializer):
    hap = serializers.ChoiceField(choices=Decision.choices, help_text="For a HAP.")
    seh = serializers.ChoiceField(choices=Decision.choices, help_text="For an SEH.")


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    registered_at = serializers.DateTimeField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    decision = serializers.ChoiceField(choices=Decision.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    by_representative = serializers.BooleanField()
    organisation = serializers.CharField(source="organisation_name", allow_blank=True)
    registered_by = serializers.CharField(source="registered_by_name", allow_blank=True)


class PatientChoicesSerializer(serializers.Serializer):
    bsn = serializers.CharField()
    birth_date = serializers.DateField()
    current = CurrentChoiceSerializer()
    history = HistoryEntrySerializer(many=True, help_text="Newest first.")


class FieldErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, min_value=0, help_text="The row (from 0); null for the request."
    )
    field = serializers.CharField(
        allow_null=True, help_text="The field or header; null for the row or body as a whole."
    )
    message = serializers.CharField()


class InvalidInputSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = FieldErrorSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# The request bodies that refuse fields they do not name.
CLOSED_COMPONENTS = ("RegistrationRowRequest", "BatchRequest", "LookupRequest")


def request_bodies_as_checked(result, generator, request, public):
    """drf-spectacular postprocessing hook: the request bodies exactly as rows.py checks
    them. Unknown fields are refused (additionalProperties: false); `note` is one string
    schema (drf-spectacular writes a blank-allowed pattern field as a oneOf that an empty
    note matches twice, which JSON Schema's oneOf counts as a mismatch)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    row = schemas.get("RegistrationRowRequest", {}).get("properties", {})
    if "note" in row:
        row["note"] = {
            "type": "string",
            "maxLength": NOTE_MAX_LENGTH,
            "pattern": NOTE_PATTERN,
            "description": row["note"].get("description", ""),
        }
    return result
