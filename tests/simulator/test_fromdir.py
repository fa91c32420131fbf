"""--from-dir practices: published example files served as one searchset Bundle."""

from __future__ import annotations

import os
import shutil
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 -- parses our own server's output

import orjson
import pytest

from tests.simulator.support import NICTIZ, run_simulator

FHIR = "{http://hl7.org/fhir}"
DIRS = [NICTIZ / "Nictiz-STU3-Zib2017", NICTIZ / "Nictiz-R4-zib2020"]
pytestmark = pytest.mark.skipif(
    not all(d.is_dir() for d in DIRS), reason=f"the Nictiz examples are not in {NICTIZ}"
)


@pytest.fixture(scope="module")
def json_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("json-practice")
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"}
    condition = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}}
    (directory / "patient.json").write_bytes(orjson.dumps(patient))
    (directory / "condition.json").write_bytes(orjson.dumps(condition))
    old = time.time() - 3600
    for path in directory.iterdir():
        os.utime(path, (old, old))
    return directory


@pytest.fixture(scope="module")
def xml_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("xml-practice")
    for name in ("nl-core-Patient-01.xml", "nl-core-Problem-01.xml", "nl-core-Alert-01.xml"):
        shutil.copy(DIRS[1] / name, directory / name)
    old = time.time() - 3600
    for path in directory.iterdir():
        os.utime(path, (old, old))
    return directory


# A JSON R4 patient written after the R4 specification: a primitive with an extension, a
# contained resource, a decimal with a trailing zero, a narrative.
MIXED_PATIENT = {
    "resourceType": "Patient",
    "id": "pj1",
    "text": {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Anna &amp; Jan</p></div>',
    },
    "contained": [{"resourceType": "Organization", "id": "org", "name": "De Linde"}],
    "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "999910036"}],
    "name": [
        {
            "id": "n1",
            "family": "Jansen",
            "given": ["Anna", None],
            "_given": [
                None,
                {"extension": [{"url": "http://example.org/initial", "valueString": "M"}]},
            ],
        }
    ],
    "birthDate": "1950-03-04",
    "_birthDate": {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                "valueDateTime": "1950-03-04T06:30:00+01:00",
            }
        ]
    },
    "active": True,
    "managingOrganization": {"reference": "#org"},
}
# STU3 writes clinicalStatus as a code.
MIXED_ALLERGY = (
    b'{"resourceType": "AllergyIntolerance", "id": "as1", "clinicalStatus": "active",'
    b' "code": {"text": "pinda\'s"}, "patient": {"reference": "Patient/pj1"},'
    b' "reaction": [{"manifestation": [{"text": "jeuk"}], "severity": "mild"}],'
    b' "extension": [{"url": "http://example.org/x", "valueDecimal": 1.50}]}'
)


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory):
    """JSON and XML, R4 and STU3, and one JSON file XML cannot carry (U+0000)."""
    directory = tmp_path_factory.mktemp("mixed-practice")
    (directory / "patient.json").write_bytes(orjson.dumps(MIXED_PATIENT))
    (directory / "allergy-stu3.json").write_bytes(MIXED_ALLERGY)
    (directory / "nul.json").write_bytes(b'{"resourceType": "Flag", "id": "f\\u0000"}')
    shutil.copy(DIRS[1] / "nl-core-Alert-01.xml", directory / "nl-core-Alert-01.xml")
    shutil.copy(DIRS[0] / "nl-core-patient-01.xml", directory / "nl-core-patient-01.xml")
    return directory


@pytest.fixture(scope="module")
def sim(json_dir, xml_dir, mixed_dir):
    dirs = [*DIRS, json_dir, xml_dir, mixed_dir]
    args = [a for d in dirs for a in ("--from-dir", str(d))]
    with run_simulator("--practices", "1", "--patients-per-practice", "5", *args) as running:
        # After the line with the URL: one line per directory, saying what it serves.
        running.startup = _lines(running.process.stdout, len(dirs))
        yield running


def _lines(stream, count: int, timeout: float = 10.0) -> list[str]:
    """The next lines the simulator printed; "" for those that do not come (so a test fails
    rather than hangs). Read in a thread: they may sit in the stream's buffer already, where
    select() does not see them."""
    lines: list[str] = []

    def read() -> None:
        for _ in range(count):
            lines.append(stream.readline().decode())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return (lines + [""] * count)[:count]


def _bundle(sim, index: int, **params):
    practice = sim.practice(index)
    with sim.client(practice) as client:
        return practice, client.get(f"{practice['base_url']}/Patient", params=params)


@pytest.mark.parametrize("index", [1, 2])
def test_xml_directory_is_one_xml_searchset_with_an_entry_per_file(sim, index):
    directory = DIRS[index - 1]
    practice, response = _bundle(sim, index, _count="5")

    assert response.headers["content-type"] == "application/fhir+xml"
    bundle = ET.fromstring(response.content)  # noqa: S314
    entries = bundle.findall(f"{FHIR}entry")
    files = sorted(p for p in directory.iterdir() if p.suffix == ".xml")
    assert bundle.tag == f"{FHIR}Bundle"
    assert bundle.find(f"{FHIR}type").get("value") == "searchset"
    assert bundle.find(f"{FHIR}total").get("value") == str(len(files))
    assert len(entries) == len(files)  # _count is ignored: every file on one page
    for entry in entries:
        resource = next(iter(entry.find(f"{FHIR}resource")))
        kind = resource.tag.removeprefix(FHIR)
        ident = resource.find(f"{FHIR}id").get("value")
        assert entry.find(f"{FHIR}fullUrl").get("value") == f"{practice['base_url']}/{kind}/{ident}"


def test_listing_shows_directory_practices(sim):
    stu3, r4, from_json = sim.practices()[1:4]

    assert stu3["agb"] == "99000000" and stu3["ura"] == "99100000"
    assert stu3["name"] == "Voorbeeldpraktijk Nictiz-STU3-Zib2017"
    assert stu3["fhir_version"] == "3.0.2" and r4["fhir_version"] == "4.0.1"
    assert from_json["patients"] == 1


def test_json_directory_is_a_json_searchset(sim):
    practice, response = _bundle(sim, 3)

    bundle = response.json()
    assert response.headers["content-type"] == "application/fhir+json"
    assert bundle["total"] == 2
    assert [e["fullUrl"] for e in bundle["entry"]] == [
        f"{practice['base_url']}/Condition/c1",
        f"{practice['base_url']}/Patient/p1",
    ]
    assert [e["search"]["mode"] for e in bundle["entry"]] == ["include", "match"]


def test_last_updated_follows_file_modification_times(sim, xml_dir):
    _, first = _bundle(sim, 4)
    snapshot = ET.fromstring(first.content).find(f"{FHIR}meta/{FHIR}lastUpdated").get("value")  # noqa: S314
    _, before = _bundle(sim, 4, _lastUpdated=f"gt{snapshot}")

    time.sleep(0.01)
    (xml_dir / "nl-core-Alert-01.xml").touch()
    _, after = _bundle(sim, 4, _lastUpdated=f"gt{snapshot}")

    assert ET.fromstring(before.content).find(f"{FHIR}total").get("value") == "0"  # noqa: S314
    changed = ET.fromstring(after.content).findall(f"{FHIR}entry/{FHIR}resource/{FHIR}Flag")  # noqa: S314
    assert len(changed) == 1


def test_a_mixed_directory_is_one_xml_searchset_with_its_json_files_converted(sim, mixed_dir):
    practice, response = _bundle(sim, 5)

    assert response.headers["content-type"] == "application/fhir+xml"
    bundle = ET.fromstring(response.content)  # noqa: S314 - one well-formed XML page
    resources = {
        f"{r.tag.removeprefix(FHIR)}/{r.find(f'{FHIR}id').get('value')}": r
        for r in (next(iter(e.find(f"{FHIR}resource"))) for e in bundle.findall(f"{FHIR}entry"))
    }
    # The file XML cannot carry is left out; the others are all there.
    assert sorted(resources) == [
        "AllergyIntolerance/as1",
        "Flag/nl-core-Alert-01",
        "Patient/nl-core-patient-01",
        "Patient/pj1",
    ]
    assert bundle.find(f"{FHIR}total").get("value") == "4"
    patient = resources["Patient/pj1"]
    # FHIR XML: a resource's id is an element, an element's id an attribute; a primitive's
    # extension sits inside it; a contained resource is wrapped; the narrative is XHTML.
    assert [c.tag.removeprefix(FHIR) for c in patient][:4] == [
        "id",
        "text",
        "contained",
        "identifier",
    ]
    birth = patient.find(f"{FHIR}birthDate")
    assert birth.get("value") == "1950-03-04"
    assert birth.find(f"{FHIR}extension").get("url").endswith("patient-birthTime")
    assert birth.find(f"{FHIR}extension/{FHIR}valueDateTime").get("value").startswith("1950")
    assert patient.find(f"{FHIR}contained/{FHIR}Organization/{FHIR}name").get("value") == "De Linde"
    name = patient.find(f"{FHIR}name")
    assert name.get("id") == "n1"
    given = name.findall(f"{FHIR}given")
    assert [g.get("value") for g in given] == ["Anna", None]
    assert given[1].find(f"{FHIR}extension/{FHIR}valueString").get("value") == "M"
    assert patient.find(f"{FHIR}active").get("value") == "true"
    div = patient.find(f"{FHIR}text/{{http://www.w3.org/1999/xhtml}}div")
    assert "".join(div.itertext()) == "Anna & Jan"
    allergy = resources["AllergyIntolerance/as1"]
    assert allergy.find(f"{FHIR}clinicalStatus").get("value") == "active"  # STU3, as it came
    assert allergy.find(f"{FHIR}extension/{FHIR}valueDecimal").get("value") == "1.50"
    assert allergy.find(f"{FHIR}code/{FHIR}text").get("value") == "pinda's"


def test_the_start_up_lines_say_what_each_directory_serves(sim, mixed_dir, json_dir):
    mixed, from_json = sim.startup[4], sim.startup[2]

    assert mixed.startswith(f"simulator: practice 99000004 serves {mixed_dir}: 5 file(s) ")
    assert "(2 JSON R4, 1 JSON STU3, 1 XML R4, 1 XML STU3)" in mixed
    assert "served as one FHIR XML Bundle (JSON files converted to XML)" in mixed
    assert "left out, not writable as XML: nul.json" in mixed
    assert from_json.strip() == (
        f"simulator: practice 99000002 serves {json_dir}: 2 file(s) (2 JSON R4), "
        "served as one FHIR JSON Bundle"
    )
