"""The API's endpoints: short — parse (registry/api/rows.py), call one service, answer."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from audit import context as request_context
from audit.bulk import collection_paused
from registry.api import schema as _schema  # noqa: F401 - registers the auth schemes
from registry.api import serializers as s
from registry.api.auth import (
    AnonymousRateThrottle,
    IsPracticeSystem,
    IsPracticeSystemOrStaff,
    PracticeCertificateAuthentication,
    PracticeKeyAuthentication,
    PracticeRateThrottle,
    credentials_refused,
)
from registry.api.parsers import StrictJSONParser
from registry.api.rows import (
    FieldError,
    InvalidInput,
    batch_from_json,
    lookup_from_json,
    not_own_patient_message,
)
from registry.api.services import (
    ConcurrentRegistration,
    IdempotencyKeyReused,
    NotOwnPatient,
    patient_lookup,
    registration_batch_submit,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_IDEMPOTENCY_KEY = re.compile(s.IDEMPOTENCY_KEY_PATTERN[1:-1])


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def api_exception_handler(exc, context):
    """Every refusal as JSON: {"detail": ...}, and for bad input also "errors", one per bad
    row and field. DRF's own handler first (it sets WWW-Authenticate and Retry-After)."""
    if isinstance(exc, InvalidInput):
        rows = {error.index for error in exc.errors if error.index is not None}
        detail = (
            _("Nothing was registered: %(count)s rows are invalid.") % {"count": len(rows)}
            if rows
            else _("Nothing was done: the request is invalid.")
        )
        errors = [error.as_dict() for error in exc.errors]
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an error of ours: Django's 500, logged
    if isinstance(exc, exceptions.ParseError):
        message = str(exc.detail)
        response.data = {
            "detail": _("Nothing was done: the request is invalid."),
            "errors": [FieldError(None, message).as_dict()],
        }
    elif not isinstance(response.data, dict) or set(response.data) != {"detail"}:
        response.data = {"detail": str(exc.detail)}
    return response


BAD_INPUT = (
    "Bad input, with a message per bad row and field: malformed JSON, an unknown field, a "
    "missing one, a BSN that fails the 11-test, a date in the future, an unknown scope or "
    "decision, a body or batch too large, a missing or malformed Idempotency-Key"
)
COMMON_REFUSALS = {
    401: OpenApiResponse(
        s.DetailSerializer,
        description="No valid API key or server certificate (logged in the ledger).",
    ),
    415: OpenApiResponse(s.DetailSerializer, description="The body is not application/json."),
    429: OpenApiResponse(
        s.DetailSerializer,
        description="Too many calls for this practice; see the Retry-After header.",
    ),
}


class RefusalsLogged:
    """A call without valid credentials is refused (401) and logged in the ledger."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            # Every refused call is in the ledger; a flood of them from one address is cut
            # off first (the ledger takes one event at a time).
            throttle = AnonymousRateThrottle()
            if throttle.allow_request(self.request, self):
                credentials_refused(self.request, exc)
            else:
                exc = exceptions.Throttled(throttle.wait())
        return super().handle_exception(exc)


class PracticeAPIView(RefusalsLogged, APIView):
    """For GP practices' systems only: deny by default, JSON only."""

    access_policy = "api:practice"  # tests/portal/test_url_map.py
    authentication_classes = [PracticeKeyAuthentication, PracticeCertificateAuthentication]
    permission_classes = [IsPracticeSystem]
    throttle_classes = [PracticeRateThrottle]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        # The API speaks English (docs/api.md); its messages are marked for translation, so
        # a Dutch catalogue can take over later. Before authentication: its refusals too.
        translation.activate("en")
        request.LANGUAGE_CODE = "en"
        super().initial(request, *args, **kwargs)

    def get_exception_handler(self):
        return api_exception_handler

    def json_body(self, request):
        """The parsed body; a body that is not application/json is refused (415), an empty
        one is an empty object."""
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            raise exceptions.UnsupportedMediaType(request.content_type or "(none)")
        return request.data


class RegistrationBatchView(PracticeAPIView):
    throttle_scope = "batch"

    @extend_schema(
        operation_id="registrations_batch",
        summary="Register patients' choices in a batch",
        description=(
            "Up to 5,000 registrations, all or nothing: if any row is bad, the answer names "
            "every bad row (its index, from 0) and field, and nothing is written. Only the "
            "practice's own patients. Idempotent: a retry with the same Idempotency-Key and "
            "the same body gets the first answer (with `Idempotent-Replayed: true`) and "
            "registers nothing again; the same key with another body is refused (422)."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                pattern=s.IDEMPOTENCY_KEY_PATTERN,
                description=(
                    "Chosen by the client, new for each batch (a UUID will do), the same for "
                    "its retries."
                ),
            ),
            OpenApiParameter(
                REPLAYED_HEADER,
                str,
                OpenApiParameter.HEADER,
                enum=["true"],
                response=[201],
                description="Present on the stored answer to an earlier call.",
            ),
        ],
        request=s.BatchSerializer,
        responses={
            201: s.BatchRegisteredSerializer,
            400: OpenApiResponse(
                s.InvalidInputSerializer,
                description=BAD_INPUT
                + ", the same patient and scope twice, or a patient who is not the practice's "
                "own (answered alike for an unknown BSN). Nothing was written.",
            ),
            **COMMON_REFUSALS,
            409: OpenApiResponse(
                s.DetailSerializer,
                description=(
                    "Another registration for one of these patients and scopes was made at "
                    "the same moment; nothing was written: send the batch again."
                ),
            ),
            422: OpenApiResponse(
                s.DetailSerializer,
                description="The Idempotency-Key was used before with another body.",
            ),
        },
        tags=["registrations"],
    )
    # The whole request, not only the write: parsing 5,000 rows makes ~100,000 objects
    # that live until the answer, and the collections they set off walk the heap of the
    # whole process (docs/performance.md, "Registry").
    @collection_paused()
    def post(self, request):
        errors: list[FieldError] = []
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            errors.append(FieldError(IDEMPOTENCY_HEADER, _("This header is required.")))
        elif not _IDEMPOTENCY_KEY.fullmatch(key):
            errors.append(
                FieldError(
                    IDEMPOTENCY_HEADER,
                    _("Must be 1 to 255 visible ASCII characters, without spaces."),
                )
            )
        data = self.json_body(request)
        try:
            choices = batch_from_json(data, now=request_context.current().started_at)
        except InvalidInput as invalid:
            raise InvalidInput(errors + invalid.errors) from None
        if errors:
            raise InvalidInput(errors)
        try:
            answer = registration_batch_submit(
                system=request.user,
                idempotency_key=key,
                body_sha256=request.body_sha256,
                choices=choices,
            )
        except IdempotencyKeyReused:
            raise Unprocessable(
                _(
                    "This Idempotency-Key was used before with another body: use a new key "
                    "for a new batch."
                )
            ) from None
        except ConcurrentRegistration:
            raise Conflict(
                _(
                    "Another registration for one of these patients was made at the same "
                    "moment. Nothing was registered: send the batch again."
                )
            ) from None
        headers = {REPLAYED_HEADER: "true"} if answer.replayed else None
        return Response(answer.body, status=answer.status_code, headers=headers)


class PatientLookupView(PracticeAPIView):
    throttle_scope = "lookup"

    @extend_schema(
        operation_id="patients_lookup",
        summary="Read one patient's current choice and its history",
        description=(
            "By BSN and birth date in the body (never in the URL, which ends up in logs). "
            "Only the practice's own patients: anyone else — unknown, another practice's, "
            "or a birth date that does not match — gets the same 404. Each call is a ledger "
            "event."
        ),
        request=s.LookupSerializer,
        responses={
            200: s.PatientChoicesSerializer,
            400: OpenApiResponse(
                s.InvalidInputSerializer,
                description=BAD_INPUT.replace(", a missing or malformed Idempotency-Key", "") + ".",
            ),
            **COMMON_REFUSALS,
            404: OpenApiResponse(
                s.DetailSerializer,
                description="Not one of the practice's patients (or not known at all).",
            ),
        },
        tags=["patients"],
    )
    def post(self, request):
        patient = lookup_from_json(
            self.json_body(request), now=request_context.current().started_at
        )
        try:
            choices = patient_lookup(system=request.user, patient=patient)
        except NotOwnPatient:
            raise exceptions.NotFound(not_own_patient_message()) from None
        return Response(s.PatientChoicesSerializer(choices).data)


class SchemaView(RefusalsLogged, SpectacularAPIView):
    """The OpenAPI schema: for practices' systems and signed-in staff (no patient data, but
    closed like everything else here)."""

    access_policy = "api:practice-or-staff"
    authentication_classes = [
        PracticeKeyAuthentication,
        PracticeCertificateAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsPracticeSystemOrStaff]
    throttle_classes = [PracticeRateThrottle]
    throttle_scope = "schema"


class DocsView(RefusalsLogged, SpectacularSwaggerSplitView):
    """Swagger UI, from our own static files (drf-spectacular-sidecar), without inline
    script or style (the portal's CSP)."""

    access_policy = "api:practice-or-staff"
    authentication_classes = SchemaView.authentication_classes
    permission_classes = [IsPracticeSystemOrStaff]
    throttle_classes = [PracticeRateThrottle]
    throttle_scope = "schema"
    template_name = "registry/api_docs.html"
    url_name = "api_schema"
