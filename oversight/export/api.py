"""GET /api/v1/audit-events: the organisation's ledger as a FHIR R4 Bundle of AuditEvents (IHE
BALP), for its privacy officer's systems, with the organisation's API key (the key that
sends contacts; oversight.reconciliation.api.auth). Thin: check the query, call the one
service, answer."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from audit.identifiers import validate_bsn
from oversight.export.selectors import MAX_COUNT, ExportQuery
from oversight.export.services import audit_events_export
from oversight.ledger.forms import EARLIEST_DATE, latest_date
from oversight.reconciliation.api.views import ORGANISATION_REFUSALS, OrganisationAPIView
from registry.api import serializers as registry_serializers
from registry.api.rows import FieldError, InvalidInput
from registry.api.views import COMMON_REFUSALS


class ExportQuerySerializer(serializers.Serializer):
    patient = serializers.CharField(required=False, max_length=20, help_text="A patient's BSN.")
    # "from" is a Python keyword: the field is named in the query string by its source.
    from_ = serializers.DateField(required=False, help_text="First day (Dutch time).")
    to = serializers.DateField(required=False, help_text="Last day, included.")
    after = serializers.IntegerField(
        required=False, min_value=0, default=0, help_text="The seq the previous page ended at."
    )
    until = serializers.IntegerField(
        required=False, min_value=0, default=0, help_text="The ledger's head at the start."
    )
    count = serializers.IntegerField(required=False, min_value=1, max_value=MAX_COUNT, default=100)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate_patient(self, value: str) -> str:
        validate_bsn(value)
        return value

    def _day(self, value):
        if value is not None and not EARLIEST_DATE <= value <= latest_date():
            raise serializers.ValidationError(_("Outside the ledger's dates."))
        return value

    def validate_from(self, value):
        return self._day(value)

    def validate_to(self, value):
        return self._day(value)

    def validate(self, data):
        if not data.get("patient") and not data.get("from"):
            raise serializers.ValidationError(
                {"patient": _("Name a patient (patient) or a first day (from), or both.")}
            )
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            raise serializers.ValidationError({"to": _("The last day lies before the first.")})
        return data

    def query(self) -> ExportQuery:
        data = self.validated_data
        return ExportQuery(
            bsn=data.get("patient", ""),
            first=data.get("from"),
            last=data.get("to"),
            after=data["after"],
            until=data["until"],
            count=data["count"],
        )


class AuditEventsView(OrganisationAPIView):
    """An organisation's system reads its ledger, with the key that sends its contacts."""

    @extend_schema(
        operation_id="audit_events_export",
        summary="The organisation's ledger as FHIR R4 AuditEvents (IHE BALP)",
        description=(
            "A page of the HAP's or SEH's own ledger events — for one patient (`patient`), "
            "a period (`from`, `to`, Dutch days, both included) or both — oldest first, as "
            "a FHIR R4 Bundle (searchset) of AuditEvent resources after IHE BALP "
            "(docs/ledger.md). `link` `next` gives the next page while there is one; the pages "
            "keep to the ledger as it was at the first (`until`), so an export ends. Each "
            "call is logged: one ledger event per patient whose events it returned."
        ),
        parameters=[
            OpenApiParameter("patient", OpenApiTypes.STR, description="A patient's BSN."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (Dutch time)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included."),
            OpenApiParameter("after", OpenApiTypes.INT, description="Where the page starts."),
            OpenApiParameter(
                "until", OpenApiTypes.INT, description="The ledger's head the export keeps to."
            ),
            OpenApiParameter("count", OpenApiTypes.INT, description=f"1-{MAX_COUNT}, 100."),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4 Bundle."),
            400: OpenApiResponse(
                registry_serializers.InvalidInputSerializer,
                description=(
                    "Bad query, with a message per parameter: a BSN that fails the 11-test, a "
                    "date that is not one or lies outside 2000 to next year, a period the "
                    "wrong way round, a count out of range, neither patient nor from."
                ),
            ),
            # A GET has no body: no 415.
            **{code: refusal for code, refusal in COMMON_REFUSALS.items() if code != 415},
            **ORGANISATION_REFUSALS,
        },
        tags=["audit"],
    )
    def get(self, request):
        asked = ExportQuerySerializer(data=request.query_params)
        if not asked.is_valid():
            # As the registry API answers bad input: a message per parameter.
            raise InvalidInput(
                [
                    FieldError(field if field != "non_field_errors" else None, str(message))
                    for field, messages in asked.errors.items()
                    for message in messages
                ]
            )
        query = asked.query()
        system = request.user
        page = audit_events_export(
            organisation=system.organisation, actor=system.actor(), query=query
        )
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [
                {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
                for resource in page.resources
            ],
        }
        if page.next_query is not None:
            params = request.query_params.copy()
            params["after"] = str(page.next_query.after)
            params["until"] = str(page.next_query.until)
            bundle["link"].append(
                {
                    "relation": "next",
                    "url": request.build_absolute_uri(request.path) + "?" + params.urlencode(),
                }
            )
        return Response(bundle)
