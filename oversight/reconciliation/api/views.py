"""POST /api/v1/contacts: short — parse (oversight/reconciliation/parsing.py, as a file is),
call the one service that loads a file too, answer."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from audit import context as request_context
from oversight.models import ContactUpload
from oversight.reconciliation.api import schema as _schema  # noqa: F401 - registers the scheme
from oversight.reconciliation.api import serializers as s
from oversight.reconciliation.api.auth import (
    IsOrganisationSystem,
    OrganisationKeyAuthentication,
    OrganisationRateThrottle,
)
from oversight.reconciliation.parsing import InvalidContacts, contacts_from_json
from oversight.reconciliation.services import contacts_upload
from registry.api import serializers as registry_serializers
from registry.api.views import COMMON_REFUSALS, PracticeAPIView, api_exception_handler


def contacts_exception_handler(exc, context):
    """Bad contacts as the registry API answers bad rows: {"detail", "errors": [{"index",
    "field", "message"}]}, 400. Everything else as the registry API answers it."""
    if isinstance(exc, InvalidContacts):
        contacts = {error.row for error in exc.errors if error.row is not None}
        detail = (
            _("Nothing was loaded: %(count)s contacts are invalid.") % {"count": len(contacts)}
            if contacts
            else _("Nothing was done: the request is invalid.")
        )
        errors = [
            {"index": error.row, "field": error.column, "message": error.message}
            for error in exc.errors
        ]
        if exc.more:
            errors.append(
                {
                    "index": None,
                    "field": None,
                    "message": _("And %(count)s more errors, not listed.") % {"count": exc.more},
                }
            )
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    return api_exception_handler(exc, context)


# The refusals of every call by an organisation's system, for the OpenAPI schema.
ORGANISATION_REFUSALS = {
    401: OpenApiResponse(
        registry_serializers.DetailSerializer,
        description="No valid API key of a HAP or SEH (logged in the ledger).",
    ),
    429: OpenApiResponse(
        registry_serializers.DetailSerializer,
        description="Too many calls for this organisation; see the Retry-After header.",
    ),
}


class OrganisationAPIView(PracticeAPIView):
    """The registry API's view (English, JSON only, the body parser with its size limit,
    refusals logged), for an organisation's system instead of a GP practice's: its own key,
    its own throttle."""

    access_policy = "api:organisation"  # tests/portal/test_url_map.py
    authentication_classes = [OrganisationKeyAuthentication]
    permission_classes = [IsOrganisationSystem]
    throttle_classes = [OrganisationRateThrottle]


class ContactsView(OrganisationAPIView):
    """A HAP's or SEH's contact registrations."""

    def get_exception_handler(self):
        return contacts_exception_handler

    @extend_schema(
        operation_id="contacts_upload",
        summary="Send the organisation's contact registrations for reconciliation",
        description=(
            "A HAP's or SEH's own contacts (patient BSN, time, location), all or nothing: if "
            "any contact is bad, the answer names each bad one (its index, from 0) and field, "
            "and nothing is loaded. Idempotent: a contact sent before is not added again "
            "(`added` counts only the new ones). After loading, every summary view at the "
            "organisation without a contact with the same patient within the window becomes "
            "a misuse alert for the organisation's supervisor (docs/reconciliation.md). "
            "A body sent before byte for byte (the same SHA-256, e.g. a retry after a "
            "timeout) loads nothing again: the answer is 200 with the earlier upload's "
            "numbers and `loaded_at`, so a retry needs no handling of its own."
        ),
        request=s.ContactsSerializer,
        responses={
            201: OpenApiResponse(s.ContactsLoadedSerializer, description="Loaded."),
            200: OpenApiResponse(
                s.ContactsLoadedBeforeSerializer,
                description=(
                    "This body was loaded before (the same SHA-256 for the organisation): "
                    "nothing was loaded again, no ledger event was written; the earlier "
                    "upload's answer."
                ),
            ),
            400: OpenApiResponse(
                registry_serializers.InvalidInputSerializer,
                description=(
                    "Bad input, with a message per bad contact and field: malformed JSON, an "
                    "unknown or missing field, a BSN that fails the 11-test, a time that is "
                    "not RFC 3339, lies in the future or more than RECONCILIATION_MAX_AGE_DAYS "
                    "days in the past, an empty or too long location, too many contacts, a "
                    "body over the limit. Nothing was loaded."
                ),
            ),
            **COMMON_REFUSALS,
            **ORGANISATION_REFUSALS,
        },
        tags=["contacts"],
    )
    def post(self, request):
        contacts = contacts_from_json(
            self.json_body(request), now=request_context.current().started_at
        )
        system = request.user
        uploaded = contacts_upload(
            organisation=system.organisation,
            contacts=contacts,
            source=ContactUpload.Source.API,
            filename="",
            sha256=request.body_sha256,
            actor=system.actor(),
        )
        upload = uploaded.upload
        body = {
            "upload": upload.pk,
            "received": upload.rows,
            "added": upload.added,
            "already_registered": upload.rows - upload.added,
            "first_contact": upload.period_start,
            "last_contact": upload.period_end,
        }
        if uploaded.loaded_before:
            body["loaded_at"] = upload.uploaded_at
            body["detail"] = _(
                "This body was already loaded on %(when)s (upload %(upload)s): nothing was "
                "loaded again."
            ) % {"when": upload.uploaded_at.isoformat(), "upload": upload.pk}
            return Response(s.ContactsLoadedBeforeSerializer(body).data, status=status.HTTP_200_OK)
        return Response(s.ContactsLoadedSerializer(body).data, status=status.HTTP_201_CREATED)
