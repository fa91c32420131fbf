"""A ledger event as a FHIR R4 AuditEvent, after IHE BALP (Basic Audit Log Patterns), for other
systems: an organisation's audit record repository, a privacy officer's tools (issue 16,
item 4). The export's selectors and services are in oversight/export/; this is the mapping
only, one event at a time, from the ledger's own columns.

How BALP's patterns are followed (docs/ledger.md, "FHIR AuditEvent export"):

- `type`/`subtype` and `meta.profile`: a read of a patient's data (the summary, the registry,
  the log) is BALP's PatientRead (rest / read), a search PatientQuery (rest / search-type),
  a registered choice PatientCreate (rest / create), a purge PatientDelete (rest / delete);
  logins are DICOM's User Authentication (110114) with Login/Logout (110122/110123); the rest
  (policies, verification, reviews, uploads, refusals) Application Activity (110100) with
  no BALP profile claimed.
- `agent`: the user (BALP's agent:user; UZI number or username as identifier, the UZI role
  code as role, the portal role as text, requestor), their organisation (URA, AGB), the
  client (BALP's agent:client: the workstation's address) and the portal (agent:server).
- `entity`: the patient (BALP's entity:patient, by BSN), and for a read the professional
  summary or log that was read; the consent basis and policy as the patient entity's
  `detail` (Dutch law's basis for the access, which FHIR has no element for).
- `purposeOfEvent`: the ledger's purpose of use (v3 ActReason: TREAT, ETREAT, HOPERAT, …).

Not validated against BALP's StructureDefinitions (no FHIR validator runs on these machines):
the tests check the resources with fhir.resources' R4B models (AuditEvent is the same in R4
and R4B) and the mapping's choices one by one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.models import Action, EventType

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
NETWORK_TYPE_IP = "2"
BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
UZI_PERSON = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
UZI_ROLE = "urn:oid:2.16.840.1.113883.2.4.15.111"
URA = "http://fhir.nl/fhir/NamingSystem/ura"
AGB = "http://fhir.nl/fhir/NamingSystem/agb-z"
USERNAME = "urn:spoedinzage:username"
EVENT_ID = "urn:ietf:rfc:3986"
PORTAL = "Spoedinzage"

# Event type → (type coding, subtype coding, BALP profile or None).
_REST = {"system": AUDIT_EVENT_TYPE, "code": "rest", "display": "Restful Operation"}
_APPLICATION = {"system": DICOM, "code": "110100", "display": "Application Activity"}
_AUTHENTICATION = {"system": DICOM, "code": "110114", "display": "User Authentication"}


def _interaction(code: str) -> dict[str, str]:
    return {"system": RESTFUL_INTERACTION, "code": code, "display": code}


_READ = (_REST, _interaction("read"), "IHE.BasicAudit.PatientRead")
_KINDS: dict[str, tuple[dict, dict, str | None]] = {
    EventType.SUMMARY_VIEW: _READ,
    EventType.EMERGENCY_ACCESS: _READ,
    EventType.REGISTRY_VIEW: _READ,
    EventType.PATIENT_LOG_READ: _READ,
    EventType.PATIENT_SEARCH: (_REST, _interaction("search-type"), "IHE.BasicAudit.PatientQuery"),
    EventType.CONSENT_RECORDED: (_REST, _interaction("create"), "IHE.BasicAudit.PatientCreate"),
    EventType.CONSENT_REFUSED: (_REST, _interaction("create"), "IHE.BasicAudit.PatientCreate"),
    EventType.CONSENT_REGISTRATION: (
        _REST,
        _interaction("create"),
        "IHE.BasicAudit.PatientCreate",
    ),
    EventType.ACTIVATION_CODE_ISSUED: (
        _REST,
        _interaction("create"),
        "IHE.BasicAudit.PatientCreate",
    ),
    EventType.PATIENT_ACCOUNT_OPENED: (
        _REST,
        _interaction("create"),
        "IHE.BasicAudit.PatientCreate",
    ),
    EventType.SUMMARY_PURGED: (_REST, _interaction("delete"), "IHE.BasicAudit.PatientDelete"),
    EventType.LOGIN: (
        _AUTHENTICATION,
        {"system": DICOM, "code": "110122", "display": "Login"},
        None,
    ),
    EventType.LOGIN_FAILED: (
        _AUTHENTICATION,
        {"system": DICOM, "code": "110122", "display": "Login"},
        None,
    ),
    EventType.LOGOUT: (
        _AUTHENTICATION,
        {"system": DICOM, "code": "110123", "display": "Logout"},
        None,
    ),
}
# What was read, for the reads (BALP's second entity of a PatientRead).
_READ_WHAT = {
    EventType.SUMMARY_VIEW: "Professional summary of the GP record (HPS)",
    EventType.EMERGENCY_ACCESS: "Professional summary of the GP record (HPS)",
    EventType.REGISTRY_VIEW: "Consent registry and access log of the patient",
    EventType.ADMIN_READ: "Access log (ledger) of the organisation",
    EventType.PATIENT_LOG_READ: "The patient's own access log",
}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _user(event: dict[str, Any], creates: bool) -> dict[str, Any] | None:
    if not (event["user_uzi"] or event["user_username"]):
        return None
    identifier = (
        {"system": UZI_PERSON, "value": event["user_uzi"]}
        if event["user_uzi"]
        else {"system": USERNAME, "value": event["user_username"]}
    )
    agent: dict[str, Any] = {
        # BALP's agent:user: the one who received the data (IRCP), or wrote it (AUT).
        "type": {
            "coding": [
                _coding(PARTICIPATION_TYPE, "AUT", "author")
                if creates
                else _coding(PARTICIPATION_TYPE, "IRCP", "information recipient")
            ]
        },
        "who": {"identifier": identifier, "display": event["user_name"] or event["user_username"]},
        "requestor": True,
    }
    roles = []
    if event["user_role_code"]:
        roles.append({"coding": [_coding(UZI_ROLE, event["user_role_code"])]})
    if event["user_portal_role"]:
        roles.append({"text": event["user_portal_role"]})
    if roles:
        agent["role"] = roles
    if event["session_ref"]:
        agent["altId"] = event["session_ref"]
    return agent


def _organisation(event: dict[str, Any]) -> dict[str, Any] | None:
    if event["organisation_ura"]:
        identifier = {"system": URA, "value": event["organisation_ura"]}
    elif event["organisation_agb"]:
        identifier = {"system": AGB, "value": event["organisation_agb"]}
    else:
        return None
    who: dict[str, Any] = {"identifier": identifier}
    if event["organisation_name"]:  # FHIR allows no empty strings
        who["display"] = event["organisation_name"]
    return {
        "type": {"coding": [_coding(PARTICIPATION_TYPE, "CST", "custodian")]},
        "who": who,
        "requestor": False,
    }


def _patient(bsn: str, basis: str = "", policy: str = "") -> dict[str, Any]:
    patient: dict[str, Any] = {
        "what": {"identifier": {"system": BSN, "value": bsn}},
        "type": _coding(ENTITY_TYPE, "1", "Person"),
        "role": _coding(OBJECT_ROLE, "1", "Patient"),
    }
    details = []
    if basis:
        details.append({"type": "consent_basis", "valueString": basis})
    if policy:
        details.append({"type": "consent_policy", "valueString": policy})
    if details:
        patient["detail"] = details
    return patient


def audit_event_resource(event: dict[str, Any]) -> dict[str, Any]:
    """The FHIR R4 AuditEvent (as JSON) of one ledger event, given as a dict of the
    AccessEvent's columns (oversight.export.selectors.EXPORT_FIELDS)."""
    kind = event["event_type"]
    event_type, subtype, profile = _KINDS.get(
        kind, (_APPLICATION, {"system": "urn:spoedinzage:event-type", "code": kind}, None)
    )
    resource: dict[str, Any] = {"resourceType": "AuditEvent", "id": str(event["event_id"])}
    if profile is not None and event["patient_bsn"]:
        resource["meta"] = {"profile": [BALP + profile]}
    resource |= {
        "type": event_type,
        "subtype": [subtype],
        "action": event["action"],
        "recorded": _instant(event["occurred_at"]),
        "outcome": str(event["outcome"]),
        "purposeOfEvent": [{"coding": [_coding(ACT_REASON, event["purpose_of_use"])]}],
        "agent": [],
        "source": {
            "site": PORTAL,
            "observer": {"display": PORTAL},
            "type": [_coding("http://terminology.hl7.org/CodeSystem/security-source-type", "3")],
        },
        "entity": [],
    }
    if event["outcome"] and isinstance(event["detail"], dict) and event["detail"].get("reason"):
        resource["outcomeDesc"] = str(event["detail"]["reason"])
    creates = event["action"] in (Action.CREATE, Action.UPDATE, Action.DELETE)
    agents = [_user(event, creates), _organisation(event)]
    if event["client_address"]:
        agents.append(
            {  # BALP's agent:client: where the request came from
                "type": {"coding": [_coding(DICOM, "110153", "Source Role ID")]},
                "who": {"display": "workstation"},
                "requestor": False,
                "network": {"address": event["client_address"], "type": NETWORK_TYPE_IP},
            }
        )
    agents.append(
        {  # BALP's agent:server: the portal that answered
            "type": {"coding": [_coding(DICOM, "110152", "Destination Role ID")]},
            "who": {"display": PORTAL},
            "requestor": False,
        }
    )
    resource["agent"] = [agent for agent in agents if agent is not None]
    if event["patient_bsn"]:
        resource["entity"].append(
            _patient(event["patient_bsn"], event["consent_basis"], event["consent_policy"])
        )
    listed = event["detail"].get("patients") if isinstance(event["detail"], dict) else None
    if isinstance(listed, list):  # a page of the ledger search: the patients it showed
        for bsn in listed:
            if isinstance(bsn, str) and bsn != event["patient_bsn"]:
                resource["entity"].append(_patient(bsn))
    if kind in _READ_WHAT:
        resource["entity"].append(
            {
                "what": {"display": _READ_WHAT[kind]},
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
            }
        )
    resource["entity"].append(
        {  # the ledger's own place for this event: its seq and hash, to check it against
            "what": {"identifier": {"system": EVENT_ID, "value": f"urn:uuid:{event['event_id']}"}},
            "type": _coding(ENTITY_TYPE, "2", "System Object"),
            "role": _coding(OBJECT_ROLE, "13", "Security Resource"),
            "name": f"ledger event #{event['seq']}",
            "detail": [
                {"type": "seq", "valueString": str(event["seq"])},
                {"type": "sha256", "valueString": event["hash"]},
            ],
        }
    )
    return resource
