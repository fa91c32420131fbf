"""Small FHIR R4 JSON builders for parser tests (the simulator makes the big ones)."""

from __future__ import annotations

import datetime as dt

import orjson

BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
ICPC = "http://hl7.org/fhir/sid/icpc-1-nl"
TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def patient(pid="p1", bsn="999911120", birth_date="1950-02-03", **extra) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"lastUpdated": "2026-11-25T10:00:00Z"},
        "identifier": [{"system": BSN, "value": bsn}] if bsn is not None else [],
        "name": [{"use": "official", "family": "Visser", "given": ["Jan"]}],
        "gender": "male",
        "generalPractitioner": [
            {"reference": "Practitioner/gp1"},
            {"reference": "Organization/org1"},
        ],
    }
    if birth_date is not None:
        resource["birthDate"] = birth_date
    resource.update(extra)
    return resource


def gp() -> list[dict]:
    return [
        {
            "resourceType": "Practitioner",
            "id": "gp1",
            "identifier": [
                {"system": "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers", "value": "900000033"}
            ],
            "name": [{"text": "dr. E. Jansen"}],
        },
        {
            "resourceType": "Organization",
            "id": "org1",
            "name": "Huisartsenpraktijk De Linde",
            "identifier": [
                {"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": "01012345"},
                {"system": "http://fhir.nl/fhir/NamingSystem/ura", "value": "90000301"},
            ],
        },
    ]


def condition(cid, code, display, pid="p1", status="active", attention=False) -> dict:
    resource = {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "code": {"coding": [{"system": ICPC, "code": code, "display": display}]},
        "onsetDateTime": "2019-04-01",
    }
    if attention:
        resource["extension"] = [
            {
                "url": "https://spoedinzage.nl/fhir/StructureDefinition/episode-attention-flag",
                "valueBoolean": True,
            }
        ]
    return resource


def allergy(aid="a1", pid="p1", text="Penicilline") -> dict:
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": aid,
        "patient": {"reference": f"Patient/{pid}"},
        "criticality": "high",
        "reaction": [{"manifestation": [{"text": "anafylaxie"}]}],
    }
    if text is not None:
        resource["code"] = {"text": text}
    return resource


def medication(mid="m1", pid="p1") -> dict:
    return {
        "resourceType": "MedicationStatement",
        "id": mid,
        "status": "active",
        "subject": {"reference": f"Patient/{pid}"},
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "urn:oid:2.16.840.1.113883.2.4.4.10",
                    "code": "20427",
                    "display": "metformine 500 mg tablet",
                }
            ]
        },
        "dosage": [{"text": "2 maal daags 1 tablet"}],
        "effectivePeriod": {"start": "2020-01-01"},
    }


def lab(oid="o1", pid="p1", value=53, low=20, high=42, days=10, interpretation="H") -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": f"Patient/{pid}"},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4", "display": "HbA1c"}]},
        "effectiveDateTime": days_ago(days),
        "valueQuantity": {"value": value, "unit": "mmol/mol"},
        "referenceRange": [{"low": {"value": low}, "high": {"value": high}}],
        "interpretation": [{"coding": [{"code": interpretation}]}],
    }


def journal(eid="e1", pid="p1", days=5) -> list[dict]:
    def section(code, text):
        return {
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
            "text": {
                "status": "generated",
                "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{text}</div>',
            },
        }

    return [
        {
            "resourceType": "Encounter",
            "id": eid,
            "status": "finished",
            "subject": {"reference": f"Patient/{pid}"},
            "type": [{"text": "consult"}],
            "period": {"start": days_ago(days) + "T09:00:00Z"},
        },
        {
            "resourceType": "Composition",
            "id": f"c-{eid}",
            "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "encounter": {"reference": f"Encounter/{eid}"},
            "date": days_ago(days),
            "section": [
                section("255362007", "Hoest sinds 3 weken &amp; koorts"),
                section("260224007", "Crepitaties re basaal"),
                section("129265001", "Pneumonie"),
                section("129271007", "Amoxicilline 3dd 500 mg"),
            ],
        },
    ]


def flag(fid="f1", pid="p1", text="Niet reanimeren") -> dict:
    return {
        "resourceType": "Flag",
        "id": fid,
        "status": "active",
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"text": text},
        "period": {"start": "2024-05-01"},
    }


def bundle(*resources, next_url=None, snapshot="2026-11-26T11:59:00Z") -> bytes:
    flat = []
    for r in resources:
        flat.extend(r if isinstance(r, list) else [r])
    data = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": snapshot},
        "total": sum(1 for r in flat if r["resourceType"] == "Patient"),
        "entry": [
            {"fullUrl": f"http://gp.example/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in flat
        ],
    }
    if next_url:
        data["link"] = [{"relation": "next", "url": next_url}]
    return orjson.dumps(data)
