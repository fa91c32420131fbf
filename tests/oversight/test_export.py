"""The ledger as FHIR R4 AuditEvents after IHE BALP (issue 16, item 4): the mapping
(audit.fhir), the API for the organisation's systems (GET /api/v1/audit-events) and the
command (audit_export_fhir). Resources are checked with fhir.resources' R4B models
(AuditEvent and Bundle are the same in R4 and R4B); every export is logged per patient."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle as FhirBundle

from audit import events
from audit.actors import Actor
from audit.fhir import BALP, BSN, UZI_PERSON, audit_event_resource
from audit.models import AccessEvent, ConsentBasis, EventType
from oversight.export.selectors import EXPORT_FIELDS
from oversight.models import OrganisationAPIKey
from portal.models import Organisation
from tests.factories import OrganisationFactory
from tests.registry.api_helpers import _throttles_forgotten  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events"
P1, P2 = "999911120", "999911132"
NURSE = Actor(
    username="sanne",
    name="Sanne de Vries",
    uzi_number="900000011",
    role_code="30.000",
    portal_role="triage",
    organisation_ura="90000101",
    organisation_name="HAP Stad",
)
ELSEWHERE = Actor(username="piet", name="Piet", portal_role="triage", organisation_ura="90000202")


@pytest.fixture
def hap(db):
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")


@pytest.fixture
def key(hap):
    return OrganisationAPIKey.objects.create_key(name="Privacy tools", organisation=hap)[1]


@pytest.fixture
def ledger(hap):
    """Views, a search, a login and a refusal at HAP Stad; a view of P1 at another HAP."""
    made = {
        "view": events.summary_viewed(
            actor=NURSE,
            patient_bsn=P1,
            encounter=uuid.uuid4(),
            reason="registered consent",
            consent_basis=ConsentBasis.REGISTERED_CONSENT,
            consent_policy="",
            emergency=False,
        ),
        "search": events.patient_searched(actor=NURSE, patient_bsn=P2, found="patient"),
        "login": events.login_succeeded(actor=NURSE, method={"method": "password+totp"}),
        "emergency": events.summary_viewed(
            actor=NURSE,
            patient_bsn=P2,
            encounter=uuid.uuid4(),
            reason="emergency",
            consent_basis=ConsentBasis.EMERGENCY_ACCESS,
            consent_policy="Corona Opt-in",
            emergency=True,
        ),
        "denied": events.access_denied(actor=NURSE, reason="role triage may not x", path="/x"),
    }
    events.summary_viewed(
        actor=ELSEWHERE,
        patient_bsn=P1,
        encounter=uuid.uuid4(),
        reason="elsewhere",
        consent_basis=ConsentBasis.REGISTERED_CONSENT,
        consent_policy="",
        emergency=False,
    )
    return made


def resource_of(event: AccessEvent) -> dict:
    row = AccessEvent.objects.filter(pk=event.pk).values(*EXPORT_FIELDS).get()
    resource = audit_event_resource(row)
    FhirAuditEvent.model_validate(resource)  # raises on anything R4(B) does not allow
    return resource


def test_a_summary_view_is_a_balp_patient_read(ledger):
    view = ledger["view"]
    resource = resource_of(view)
    assert resource["id"] == str(view.event_id)
    assert resource["meta"]["profile"] == [BALP + "IHE.BasicAudit.PatientRead"]
    assert (resource["type"]["code"], resource["subtype"][0]["code"]) == ("rest", "read")
    assert resource["action"] == "R" and resource["outcome"] == "0"
    assert resource["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    user = resource["agent"][0]
    assert user["who"]["identifier"] == {"system": UZI_PERSON, "value": "900000011"}
    assert user["requestor"] is True and user["type"]["coding"][0]["code"] == "IRCP"
    assert user["role"][0]["coding"][0]["code"] == "30.000"
    patient, what, ledger_entity = resource["entity"]
    assert patient["what"]["identifier"] == {"system": BSN, "value": P1}
    assert (patient["role"]["code"], patient["type"]["code"]) == ("1", "1")
    assert patient["detail"] == [{"type": "consent_basis", "valueString": "registered_consent"}]
    assert "Professional summary" in what["what"]["display"]
    assert {"type": "sha256", "valueString": view.hash} in ledger_entity["detail"]


def test_each_kind_of_event_maps_to_its_pattern(ledger):
    search, login = resource_of(ledger["search"]), resource_of(ledger["login"])
    assert search["meta"]["profile"] == [BALP + "IHE.BasicAudit.PatientQuery"]
    assert search["subtype"][0]["code"] == "search-type"
    assert login["type"]["code"] == "110114" and login["subtype"][0]["code"] == "110122"
    assert "meta" not in login  # no patient: no BALP patient profile claimed
    emergency = resource_of(ledger["emergency"])
    assert {"type": "consent_policy", "valueString": "Corona Opt-in"} in emergency["entity"][0][
        "detail"
    ]
    denied = resource_of(ledger["denied"])
    assert denied["outcome"] == "4" and denied["outcomeDesc"] == "role triage may not x"
    assert denied["type"]["code"] == "110100"


def get(client, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return client.get(URL, params, **headers)


def test_the_api_gives_the_organisations_own_events_of_a_patient_as_a_bundle(client, key, ledger):
    response = get(client, key, patient=P1)
    assert response.status_code == 200
    bundle = response.json()
    FhirBundle.model_validate(bundle)
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert ids == [str(ledger["view"].event_id)]  # not the other HAP's view of P1
    (exported,) = AccessEvent.objects.filter(
        event_type=EventType.ADMIN_READ, detail__page="fhir_export"
    )
    assert (exported.patient_bsn, exported.organisation_ura) == (P1, "90000101")
    assert exported.detail["exported"] == 1


def test_a_ledger_page_that_showed_the_patient_is_in_their_export(client, key, ledger):
    supervisor = Actor(
        username="toezicht", name="T", portal_role="supervisor", organisation_ura="90000101"
    )
    page = events.ledger_searched(
        actor=supervisor, filters={}, page_size=50, cursor=None, patients=[P1, P2]
    )
    bundle = get(client, key, patient=P1).json()
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert ids == [str(ledger["view"].event_id), str(page.event_id)]
    read = bundle["entry"][1]["resource"]
    FhirAuditEvent.model_validate(read)
    shown = [
        e["what"]["identifier"]["value"]
        for e in read["entity"]
        if "identifier" in e["what"] and e["what"]["identifier"]["system"] == BSN
    ]
    assert shown == [P1, P2]


def test_the_api_pages_a_period_without_overlap_and_logs_each_patient(client, key, ledger):
    today = ledger["view"].occurred_at.date().isoformat()
    first = get(client, key, **{"from": today, "count": 3}).json()
    assert len(first["entry"]) == 3
    (next_link,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    second = client.get(next_link, HTTP_AUTHORIZATION=f"Api-Key {key}").json()
    seen = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    # The organisation's five, not the first page's own logged export (after the head).
    assert seen == [
        str(ledger[name].event_id) for name in ("view", "search", "login", "emergency", "denied")
    ]
    assert not [link for link in second["link"] if link["relation"] == "next"]
    logged = AccessEvent.objects.filter(detail__page="fhir_export").order_by("seq")
    assert [event.patient_bsn for event in logged] == [P1, P2, P2]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"patient": "123456789"}, "patient"),
        ({}, "patient"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "1900-01-01"}, "from"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
        ({"patient": P1, "count": "501"}, "count"),
        ({"patient": P1, "after": "-1"}, "after"),
    ],
)
def test_bad_queries_are_named_and_nothing_is_logged(client, key, ledger, params, field):
    before = AccessEvent.objects.count()
    response = get(client, key, **params)
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}
    assert AccessEvent.objects.count() == before


def test_without_a_key_the_api_refuses(client, ledger):
    assert get(client, patient=P1).status_code == 401


def test_the_command_writes_ndjson_and_names_bad_arguments(hap, ledger, tmp_path):
    output = tmp_path / "ledger.ndjson"
    call_command(
        "audit_export_fhir", "--organisation", "90000101", "--output", str(output),
        stderr=io.StringIO(),
    )  # fmt: skip
    lines = output.read_text().splitlines()
    resources = [json.loads(line) for line in lines]
    for resource in resources:
        FhirAuditEvent.model_validate(resource)
    assert [r["id"] for r in resources] == [
        str(ledger[name].event_id) for name in ("view", "search", "login", "emergency", "denied")
    ]
    logged = AccessEvent.objects.filter(detail__page="fhir_export")
    assert {event.organisation_ura for event in logged} == {"90000101"}
    with pytest.raises(CommandError, match="--patient"):
        call_command("audit_export_fhir", "--organisation", "90000101", "--patient", "1")
    with pytest.raises(CommandError, match="--organisation"):
        call_command("audit_export_fhir", "--organisation", "12345678")
    with pytest.raises(CommandError, match="--from"):
        call_command("audit_export_fhir", "--organisation", "90000101", "--from", "gisteren")
