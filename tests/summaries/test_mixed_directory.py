"""A directory that mixes JSON and XML, R4 and STU3, pulled through the real simulator and
`pull_summaries`: every resource ends in a summary or in the quarantine with a reason, and
pulling it again changes nothing (issue 14, "Done when").

The files are small FHIR resources written here after the R4 and STU3 specifications, plus
copies of published Nictiz examples. What exactly the importer makes of each one (which
are quarantined, and why) is the importer's business and changes with its fixes; this test
holds completeness and idempotency.
"""

from __future__ import annotations

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from audit.actors import Actor
from summaries.fhir.sections import key_of
from summaries.fhir.xml import resource_from_xml
from summaries.models import QuarantinedItem, Summary
from summaries.services.practices import practices_register
from tests.summaries.conftest import Simulator

NICTIZ = Path(__file__).resolve().parents[1] / "fixtures" / "nictiz"
BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
COPIES = {
    "Nictiz-R4-zib2020": ("nl-core-Patient-01.xml", "nl-core-AllergyIntolerance-01.xml"),
    "Nictiz-STU3-Zib2017": ("nl-core-patient-01.xml", "gpdata-condition-icpc-l8601.xml"),
}
pytestmark = pytest.mark.skipif(
    not all((NICTIZ / d).is_dir() for d in COPIES), reason=f"no Nictiz examples in {NICTIZ}"
)


def r4_json(recent: str) -> dict[str, dict]:
    """One R4 patient in JSON: allergy, lab result (with a primitive extension), medication."""
    return {
        "patient-r4.json": {
            "resourceType": "Patient",
            "id": "pj1",
            "meta": {"lastUpdated": "2026-11-20T08:00:00Z"},
            "identifier": [{"system": BSN, "value": "999910036"}],
            "name": [{"use": "official", "family": "Jansen", "given": ["Anna", "Maria"]}],
            "gender": "female",
            "birthDate": "1950-03-04",
            "_birthDate": {
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                        "valueDateTime": "1950-03-04T06:30:00+01:00",
                    }
                ]
            },
            "generalPractitioner": [{"reference": "Practitioner/prj1"}],
        },
        "practitioner-r4.json": {
            "resourceType": "Practitioner",
            "id": "prj1",
            "name": [{"family": "Bakker", "given": ["Pieter"], "prefix": ["dr."]}],
        },
        "allergy-r4.json": {
            "resourceType": "AllergyIntolerance",
            "id": "aj1",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                        "code": "active",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                        "code": "confirmed",
                    }
                ]
            },
            "category": ["medication"],
            "criticality": "high",
            "code": {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "764146007",
                        "display": "Penicillin",
                    }
                ],
                "text": "penicilline",
            },
            "patient": {"reference": "Patient/pj1"},
            "reaction": [{"manifestation": [{"text": "urticaria"}]}],
        },
        "glucose-r4.json": {
            "resourceType": "Observation",
            "id": "oj1",
            "status": "final",
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
            "code": {
                "coding": [
                    {
                        "system": "http://loinc.org",
                        "code": "15074-8",
                        "display": "Glucose [Moles/volume] in Blood",
                    }
                ]
            },
            "subject": {"reference": "Patient/pj1"},
            "effectiveDateTime": recent,
            "valueQuantity": {
                "value": 6.30,
                "unit": "mmol/l",
                "system": "http://unitsofmeasure.org",
                "code": "mmol/L",
            },
            "referenceRange": [{"low": {"value": 3.1}, "high": {"value": 6.2}}],
        },
        "medication-r4.json": {
            "resourceType": "MedicationStatement",
            "id": "mj1",
            "status": "active",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "urn:oid:2.16.840.1.113883.2.4.4.10",
                        "code": "38016",
                        "display": "metformine 500 mg tablet",
                    }
                ]
            },
            "subject": {"reference": "Patient/pj1"},
            "effectivePeriod": {"start": "2025-01-10"},
            "dosage": [{"text": "2 maal daags 1 tablet"}],
        },
    }


def stu3_json() -> dict[str, dict]:
    """One STU3 patient in JSON: clinicalStatus as a code, as STU3 writes it."""
    return {
        "patient-stu3.json": {
            "resourceType": "Patient",
            "id": "ps1",
            "meta": {"profile": ["http://fhir.nl/fhir/StructureDefinition/nl-core-patient"]},
            "identifier": [{"system": BSN, "value": "999910048"}],
            "name": [{"family": "de Vries", "given": ["Kees"]}],
            "gender": "male",
            "birthDate": "1960-05-06",
        },
        "allergy-stu3.json": {
            "resourceType": "AllergyIntolerance",
            "id": "as1",
            "clinicalStatus": "active",
            "verificationStatus": "confirmed",
            "code": {"text": "pinda's"},
            "patient": {"reference": "Patient/ps1"},
        },
        "condition-stu3.json": {
            "resourceType": "Condition",
            "id": "cs1",
            "clinicalStatus": "active",
            "verificationStatus": "confirmed",
            "code": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icpc-1-nl",
                        "code": "T90",
                        "display": "Diabetes mellitus",
                    }
                ]
            },
            "subject": {"reference": "Patient/ps1"},
            "onsetDateTime": "2015-06-01",
        },
    }


# An R4 alert in XML, for the JSON patient.
FLAG_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Flag xmlns="http://hl7.org/fhir">
  <id value="fx1"/>
  <status value="active"/>
  <code><text value="MRSA-drager"/></code>
  <subject><reference value="Patient/pj1"/></subject>
  <period><start value="2024-02-01"/></period>
</Flag>
"""


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("mixed-practice")
    recent = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)).isoformat()
    for name, resource in {**r4_json(recent), **stu3_json()}.items():
        (directory / name).write_bytes(orjson.dumps(resource, option=orjson.OPT_INDENT_2))
    (directory / "flag-r4.xml").write_text(FLAG_XML)
    for source, names in COPIES.items():
        for name in names:
            shutil.copy(NICTIZ / source / name, directory / name)
    return directory


@pytest.fixture(scope="module")
def mixed_simulator(mixed_dir):
    sim = Simulator("--practices", "0", "--from-dir", str(mixed_dir))
    yield sim
    sim.stop()


def directory_keys(directory: Path) -> set[str]:
    """ "Type/id" of every resource in the directory's files."""
    keys = set()
    for path in directory.iterdir():
        raw = path.read_bytes()
        resource = orjson.loads(raw) if path.suffix == ".json" else resource_from_xml(raw)
        keys.add(key_of(resource))
    return keys


def accounted_for() -> tuple[set[str], set[str]]:
    """The resources in a stored summary, and those in an open quarantine item (each with a
    reason)."""
    in_summaries = {
        key_of(r) for source in Summary.objects.values_list("source", flat=True) for r in source
    }
    in_quarantine = set()
    for item in QuarantinedItem.objects.filter(status="open"):
        assert item.reason.strip(), item
        assert item.kind == "resources", item.reason  # the page itself was read
        in_quarantine.update(key_of(r) for r in orjson.loads(bytes(item.payload)))
        in_quarantine.add(f"{item.resource_type}/{item.resource_id}")
    return in_summaries, in_quarantine


def pull(*args: str) -> str:
    out = StringIO()
    call_command("pull_summaries", *args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_a_mixed_directory_is_pulled_completely_and_a_second_pull_changes_nothing(
    mixed_dir, mixed_simulator
):
    listing = mixed_simulator.practices()
    practices_register(listing=listing, actor=Actor.system("test"))
    expected = directory_keys(mixed_dir)
    assert len(expected) == 13  # 8 JSON files, 5 XML; no two share a type and id

    first = pull()  # raises CommandError if the pull failed
    in_summaries, in_quarantine = accounted_for()
    assert expected - in_summaries - in_quarantine == set(), first
    assert Summary.objects.filter(bsn__in=["999910036", "999910048"]).count() == 2, first

    rows = set(QuarantinedItem.objects.values_list("pk", "status", "reason"))
    versions = dict(Summary.objects.values_list("bsn", "source_version"))
    assert pull() == "imported 0, unchanged 0, quarantined 0, failed 0"  # nothing changed
    again = pull("--full")  # everything sent again
    assert again.startswith("imported 0, unchanged ")
    assert ", quarantined 0, failed 0" in again
    assert set(QuarantinedItem.objects.values_list("pk", "status", "reason")) == rows
    assert dict(Summary.objects.values_list("bsn", "source_version")) == versions
