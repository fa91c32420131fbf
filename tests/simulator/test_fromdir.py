"""--from-dir practices: published example files served as one searchset Bundle."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="module")
def sim(json_dir, xml_dir):
    dirs = [*DIRS, json_dir, xml_dir]
    args = [a for d in dirs for a in ("--from-dir", str(d))]
    with run_simulator("--practices", "1", "--patients-per-practice", "5", *args) as running:
        yield running


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
