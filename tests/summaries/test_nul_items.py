"""U+0000 in one item costs that item, not the summary (issue 14, summaries/fhir/nul.py).

A NUL is valid JSON (written \\u0000) but PostgreSQL stores it in neither JSONB nor text. In
one clinical item (an allergy's note, a medication's dosage text) that item is left out of
its section, which says so, and quarantined alone; the rest of the summary is stored. In the
Patient itself (whose identity the summary is about) the patient is held back whole.

The pages are FHIR R4 JSON written here after the specification's rules
(tests/fixtures/fhir/nul-in-*.json).
"""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation

from audit.actors import Actor
from summaries.fhir import parse_page
from summaries.models import QuarantinedItem, Summary
from summaries.services.practices import practices_register
from tests.summaries import builders as b
from tests.summaries.conftest import Simulator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
ONE_ITEM = FIXTURES / "nul-in-one-item-r4.json"  # Patient 999911120: an allergy, a medication
IN_PATIENT = FIXTURES / "nul-in-patient-r4.json"  # Patient 999911132: in the family name
LEFT_OUT = "(left out of the summary; the rest is shown)"
NUL_REASON = "text holds a NUL character (\\u0000), which the database cannot store"


def resources_of(path: Path) -> dict[str, dict]:
    """The file's resources by "Type/id", as sent."""
    bundle = orjson.loads(path.read_bytes())
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
        for e in bundle["entry"]
    }


def test_parse_page_leaves_out_only_the_item_that_holds_a_nul():
    result = parse_page(ONE_ITEM.read_bytes(), now=b.NOW)
    (built,) = result.summaries
    summary = built.summary
    assert [a.substance for a in summary.allergies] == ["Penicilline"]
    assert [m.name for m in summary.medication] == ["metformine 500 mg tablet"]
    assert [e.title for e in summary.episodes] == ["Diabetes mellitus"]
    assert summary.gp.name == "dr. Marleen Smit"
    assert summary.sections()["unreadable"] == {"allergies": 1, "medication": 1}
    # Nothing the database refuses is kept: not in the sections, not in the source.
    assert b"\\u0000" not in summary.to_json()
    assert b"\\u0000" not in built.source_bytes
    assert [f"{r['resourceType']}/{r['id']}" for r in built.source] == [
        "Patient/pn1",
        "AllergyIntolerance/an1",
        "MedicationStatement/mn1",
        "Condition/cn1",
        "Practitioner/prn1",
    ]
    sent = resources_of(ONE_ITEM)
    assert [
        (q.reason, q.resource_type, q.resource_id, q.patient_bsn, q.keys, orjson.loads(q.payload))
        for q in result.quarantine
    ] == [
        (
            f"AllergyIntolerance/an2.note[0].text: {NUL_REASON} {LEFT_OUT}",
            "AllergyIntolerance",
            "an2",
            "999911120",
            ("AllergyIntolerance/an2",),
            [sent["AllergyIntolerance/an2"]],  # alone, as sent
        ),
        (
            f"MedicationStatement/mn2.dosage[0].text: {NUL_REASON} {LEFT_OUT}",
            "MedicationStatement",
            "mn2",
            "999911120",
            ("MedicationStatement/mn2",),
            [sent["MedicationStatement/mn2"]],
        ),
    ]


def test_parse_page_holds_back_a_patient_whose_own_resource_holds_a_nul():
    result = parse_page(IN_PATIENT.read_bytes(), now=b.NOW)
    assert result.summaries == []
    (item,) = result.quarantine
    assert item.reason == f"Patient/pn2.name[0].family: {NUL_REASON}"
    assert (item.resource_type, item.resource_id, item.patient_bsn) == (
        "Patient",
        "pn2",
        "999911132",
    )
    # The whole record waits, to be imported whole once it can be.
    assert {f"{r['resourceType']}/{r['id']}" for r in orjson.loads(item.payload)} == set(
        resources_of(IN_PATIENT)
    )


def test_parse_page_holds_back_a_patient_holding_a_nul_with_the_items_that_hold_one_too():
    """Held back whole, the record waits whole: the items left out for their own NUL are in
    the Patient's quarantine item, not lost (found by test_malformed's hypothesis)."""
    patient = b.patient(meta={"lastUpdated": "2026-11-25T10:00:00Z", "source": "x\x00"})
    flag = b.flag("\x00")  # the id itself
    result = parse_page(
        b.bundle(patient, *b.gp(), b.allergy(text="Peni\x00cilline"), flag), now=b.NOW
    )
    assert result.summaries == []
    (item,) = result.quarantine
    assert item.reason == f"Patient/p1.meta.source: {NUL_REASON}"
    assert set(item.keys) == {
        "Patient/p1",
        "Practitioner/gp1",
        "Organization/org1",
        "AllergyIntolerance/a1",
        "Flag/\x00",
    }
    assert {r["id"] for r in orjson.loads(item.payload)} == {"p1", "gp1", "org1", "a1", "\x00"}


def test_parse_page_quarantines_a_shared_gp_holding_a_nul_once_and_keeps_both_summaries():
    """The GP is no section's item and no patient's own: both summaries are stored without
    the GP's name (the practice is still named), and the GP waits in the quarantine once,
    without a patient's BSN (one patient's refusal must not drop it)."""
    practitioner, organisation = b.gp()
    practitioner["name"] = [{"text": "dr. E. Jan\x00sen"}]
    result = parse_page(
        b.bundle(
            b.patient(),
            b.patient("p2", bsn="999911132"),
            practitioner,
            organisation,
            b.allergy(),
            b.allergy("a2", pid="p2"),
        ),
        now=b.NOW,
    )
    assert [s.bsn for s in result.summaries] == ["999911120", "999911132"]
    for built in result.summaries:
        assert (built.summary.gp.name, built.summary.gp.practice_name) == (
            "",
            "Huisartsenpraktijk De Linde",
        )
        assert built.summary.unreadable == {}  # no section lost an item
        assert b"\\u0000" not in built.source_bytes + built.summary.to_json()
    (item,) = result.quarantine
    assert item.reason == f"Practitioner/gp1.name[0].text: {NUL_REASON} {LEFT_OUT}"
    assert (item.resource_type, item.resource_id, item.patient_bsn) == ("Practitioner", "gp1", "")


def test_parse_page_shows_the_condition_of_an_episode_that_holds_a_nul_on_its_own():
    """The episode is left out; the diagnosis it names is not hidden with it."""
    episode = {
        "resourceType": "EpisodeOfCare",
        "id": "eoc1",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "diagnosis": [{"condition": {"reference": "Condition/c1"}}],
        "period": {"start": "2019-04-01"},
        "extension": [
            {
                "url": "http://nictiz.nl/fhir/StructureDefinition/EpisodeOfCare-Title",
                "valueString": "Suikerziekte\x00",
            }
        ],
    }
    result = parse_page(
        b.bundle(b.patient(), *b.gp(), episode, b.condition("c1", "T90", "Diabetes")),
        now=b.NOW,
    )
    (built,) = result.summaries
    assert [e.title for e in built.summary.episodes] == ["Diabetes"]
    assert built.summary.unreadable == {"episodes": 1}
    (item,) = result.quarantine
    assert item.reason == f"EpisodeOfCare/eoc1.extension[0].valueString: {NUL_REASON} {LEFT_OUT}"


def pull(*args: str) -> str:
    out = StringIO()
    call_command("pull_summaries", *args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue().strip()


@pytest.fixture(scope="module")
def nul_simulator(tmp_path_factory):
    """A practice whose one page holds both: a patient with a NUL in one allergy and one
    medication, and a patient with a NUL in their own name."""
    directory = tmp_path_factory.mktemp("nul-practice")
    for path in (ONE_ITEM, IN_PATIENT):
        shutil.copy(path, directory / path.name)
    sim = Simulator("--practices", "0", "--from-dir", str(directory))
    yield sim
    sim.stop()


@pytest.mark.django_db
def test_practice_pull_stores_the_summary_without_the_nul_item_and_a_repull_adds_no_row(
    nul_simulator,
):
    practices_register(listing=nul_simulator.practices(), actor=Actor.system("test"))
    assert pull() == "imported 1, unchanged 0, quarantined 3, failed 0"

    stored = Summary.objects.get()
    assert stored.bsn == "999911120"  # 999911132 is held back
    assert [a["substance"] for a in stored.sections["allergies"]] == ["Penicilline"]
    assert [m["name"] for m in stored.sections["medication"]] == ["metformine 500 mg tablet"]
    assert stored.sections["unreadable"] == {"allergies": 1, "medication": 1}
    assert {f"{r['resourceType']}/{r['id']}" for r in stored.source} == {
        "Patient/pn1",
        "AllergyIntolerance/an1",
        "MedicationStatement/mn1",
        "Condition/cn1",
        "Practitioner/prn1",
    }
    with translation.override("nl"):  # the nurse's page says what was left out, per section
        html = render_to_string("triage/sections.html", {"s": stored.sections})
    assert (
        "1 allergie kon niet worden gelezen en wordt niet getoond — zie het dossier van de "
        "huisarts." in html
    )
    assert "1 medicatie kon niet worden gelezen" in html

    rows = {
        (q.resource_type, q.resource_id): q
        for q in QuarantinedItem.objects.filter(status=QuarantinedItem.Status.OPEN)
    }
    assert set(rows) == {
        ("AllergyIntolerance", "an2"),
        ("MedicationStatement", "mn2"),
        ("Patient", "pn2"),
    }
    allergy = rows["AllergyIntolerance", "an2"]
    assert allergy.reason == f"AllergyIntolerance/an2.note[0].text: {NUL_REASON} {LEFT_OUT}"
    assert (allergy.kind, allergy.patient_bsn) == ("resources", "999911120")
    assert orjson.loads(bytes(allergy.payload)) == [
        resources_of(ONE_ITEM)["AllergyIntolerance/an2"]
    ]
    medication = rows["MedicationStatement", "mn2"]
    assert medication.reason == f"MedicationStatement/mn2.dosage[0].text: {NUL_REASON} {LEFT_OUT}"
    assert rows["Patient", "pn2"].reason == f"Patient/pn2.name[0].family: {NUL_REASON}"
    assert rows["Patient", "pn2"].patient_bsn == "999911132"

    version = stored.source_version
    again = pull("--full")  # everything sent again, unchanged
    assert again == "imported 0, unchanged 1, quarantined 0, failed 0, already quarantined 3"
    assert QuarantinedItem.objects.count() == 3  # no second row for the same input
    assert set(QuarantinedItem.objects.values_list("times_seen", flat=True)) == {2}
    assert Summary.objects.get().source_version == version
