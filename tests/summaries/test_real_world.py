"""FHIR as GP systems send it, not as we wrote it ourselves (issue 14).

Each test holds a resource of the kind that showed a defect, written from the FHIR R4 (and
STU3) rules: contained resources, a lab result without the optional category, a dosage
sent only as structure, the practice named as managingOrganization, one resource twice on
a page, and reasons that point to the referring resource. And: an item that cannot be read
costs the nurse that item, not the summary.
"""

import copy
import logging
from pathlib import Path

import orjson
import pytest

from summaries.fhir import parse_page
from summaries.fhir.dosage import dosage_text
from tests.summaries import builders as b

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


def parse(*resources):
    return parse_page(b.bundle(*resources), now=b.NOW)


# 1. Contained resources -------------------------------------------------------------------


def test_a_medication_contained_in_its_statement_is_read_json_r4():
    """HL7's own MedicationStatement example: medicationReference "#med0309"."""
    result = parse_page((FIXTURES / "contained-medication-r4.json").read_bytes(), now=b.NOW)
    assert result.quarantine == []
    (built,) = result.summaries
    (medication,) = built.summary.medication
    assert (medication.name, medication.code) == ("Tylenol PM", "50580-506-02")
    assert built.summary.allergies[0].substance == "Cashew nuts"  # the rest as well
    assert built.placement["MedicationStatement/example001"] == "medication"


def test_a_medication_contained_in_its_statement_is_read_xml_stu3():
    result = parse_page((FIXTURES / "contained-medication-stu3.xml").read_bytes(), now=b.NOW)
    assert result.fhir_version == "STU3"
    assert result.quarantine == []
    (medication,) = result.summaries[0].summary.medication
    assert medication.name == "EpiPen 0,3 mg auto-injector"
    assert medication.dosage == "zo nodig 1 stuk, intramusculair"


def test_a_local_reference_finds_only_what_its_own_resource_contains():
    """ "#med1" in one statement is not the Medication contained in another one."""
    first = b.medication("m1")
    del first["medicationCodeableConcept"]
    first["contained"] = [{"resourceType": "Medication", "id": "med1", "code": {"text": "A"}}]
    first["medicationReference"] = {"reference": "#med1"}
    second = copy.deepcopy(first)
    second["id"] = "m2"
    second["contained"] = [{"resourceType": "Medication", "id": "med1", "code": {"text": "B"}}]
    third = copy.deepcopy(first)
    third["id"] = "m3"
    del third["contained"]
    result = parse(b.patient(), b.gp(), first, second, third)
    (built,) = result.summaries
    assert sorted(m.name for m in built.summary.medication) == ["A", "B"]
    assert built.summary.unreadable == {"medication": 1}
    (item,) = result.quarantine
    assert item.reason.startswith("MedicationStatement/m3.medication[x]: missing")


def test_the_gp_contained_in_the_patient_fills_the_gp_block():
    patient = b.patient(
        generalPractitioner=[{"reference": "#gp"}, {"reference": "#practice"}],
        contained=[
            {"resourceType": "Practitioner", "id": "gp", "name": [{"text": "dr. A. de Wit"}]},
            {"resourceType": "Organization", "id": "practice", "name": "Praktijk Oost"},
        ],
    )
    (built,) = parse(patient).summaries
    assert (built.summary.gp.name, built.summary.gp.practice_name) == (
        "dr. A. de Wit",
        "Praktijk Oost",
    )


# A summary shows what it can ----------------------------------------------------------------


def test_an_unreadable_medication_costs_that_item_not_the_summary():
    """Before issue 14 one MedicationStatement without a medication held back the patient's
    whole summary ("medication[x]: missing")."""
    broken = b.medication("m2")
    del broken["medicationCodeableConcept"]
    broken["medicationReference"] = {"reference": "#gone"}
    result = parse(b.patient(), b.gp(), b.allergy(), b.medication(), broken, b.lab())
    (built,) = result.summaries
    summary = built.summary
    assert [m.name for m in summary.medication] == ["metformine 500 mg tablet"]
    assert summary.allergies and summary.lab
    assert summary.sections()["unreadable"] == {"medication": 1}
    (item,) = result.quarantine
    assert item.reason == (
        "MedicationStatement/m2.medication[x]: missing; cannot show this item without it "
        "(left out of the summary; the rest is shown)"
    )
    assert (item.resource_type, item.resource_id, item.patient_bsn) == (
        "MedicationStatement",
        "m2",
        "999911120",
    )
    assert orjson.loads(item.payload) == [broken]
    # The source keeps what the GP sent, the unreadable item too.
    assert "MedicationStatement/m2" in built.keys


def test_unreadable_items_are_counted_per_section():
    no_code = b.allergy("a2", text=None)
    no_title = b.flag("f2")
    del no_title["code"]
    result = parse(b.patient(), b.gp(), b.allergy(), no_code, b.allergy("a3", text=None), no_title)
    (built,) = result.summaries
    assert built.summary.unreadable == {"allergies": 2, "alerts": 1}
    assert sorted(q.resource_id for q in result.quarantine) == ["a2", "a3", "f2"]


def test_identity_in_doubt_still_holds_the_patient_back_whole():
    result = parse(b.patient(bsn="123456789"), b.gp(), b.allergy())
    assert result.summaries == []
    (item,) = result.quarantine
    assert item.resource_type == "Patient"


def test_two_patients_with_one_bsn_and_different_birth_dates_are_both_held_back():
    result = parse(
        b.patient(),
        b.patient("p2", birth_date="1951-02-03"),
        b.gp(),
        b.allergy(),
        b.patient("p3", bsn="999911132"),
    )
    assert [s.bsn for s in result.summaries] == ["999911132"]
    reasons = sorted(q.reason for q in result.quarantine)
    assert reasons == [
        "Patient/p1: BSN 999911120 also belongs to Patient/p2 on this page, born 1951-02-03; "
        "this one is born 1950-02-03: identity in doubt",
        "Patient/p2: BSN 999911120 also belongs to Patient/p1 on this page, born 1950-02-03; "
        "this one is born 1951-02-03: identity in doubt",
    ]
    (first,) = [q for q in result.quarantine if q.resource_id == "p1"]
    assert "AllergyIntolerance/a1" in first.keys  # the patient's items wait with them


# 2. A lab result without category -----------------------------------------------------------


def lab_without_category(**changes) -> dict:
    resource = b.lab()
    del resource["category"]
    resource.update(changes)
    return resource


def test_a_loinc_result_without_category_is_shown_with_the_lab_results():
    (built,) = parse(b.patient(), b.gp(), lab_without_category()).summaries
    (lab,) = built.summary.lab
    assert (lab.name, lab.value, lab.unit, lab.low, lab.high, lab.code) == (
        "HbA1c",
        "53",
        "mmol/mol",
        "20",
        "42",
        "4548-4",
    )


def test_a_loinc_result_with_only_a_reference_range_is_a_lab_result():
    resource = lab_without_category()
    del resource["valueQuantity"]
    (built,) = parse(b.patient(), b.gp(), resource).summaries
    assert [r.name for r in built.summary.lab] == ["HbA1c"]


@pytest.mark.parametrize(
    "changes",
    [
        # Not LOINC-coded: nothing says what it is.
        {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "1", "display": "x"}]}},
        # A zib that says what it is (an Apgar score is LOINC-coded with a number too).
        {"meta": {"profile": ["http://nictiz.nl/fhir/StructureDefinition/nl-core-ApgarScore"]}},
        # A category that says it is something else.
        {"category": [{"coding": [{"code": "social-history"}]}]},
    ],
)
def test_other_observations_stay_where_they_were(changes):
    (built,) = parse(b.patient(), b.gp(), lab_without_category(**changes)).summaries
    assert built.summary.lab == ()
    assert built.placement["Observation/o1"] == (
        "not shown: an observation that is not a lab result or measurement"
    )


def test_a_loinc_observation_with_a_coded_answer_and_no_range_is_not_a_lab_result():
    resource = lab_without_category(valueCodeableConcept={"text": "nooit gerookt"})
    del resource["valueQuantity"], resource["referenceRange"]
    (built,) = parse(b.patient(), b.gp(), resource).summaries
    assert built.summary.lab == ()


# 3. Structured dosage ----------------------------------------------------------------------


def test_an_auto_injector_sent_as_needed_says_zo_nodig():
    """An adrenaline pen with asNeededBoolean and no text: before, the dosage was empty
    and the nurse could read it as a daily medicine."""
    pen = b.medication()
    pen["medicationCodeableConcept"] = {"text": "Adrenaline 0,3 mg auto-injector"}
    pen["dosage"] = [
        {
            "asNeededBoolean": True,
            "route": {"coding": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.9", "code": "19"}]},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "stuk"}}],
        }
    ]
    (built,) = parse(b.patient(), b.gp(), pen).summaries
    assert built.summary.medication[0].dosage == "zo nodig 1 stuk"


@pytest.mark.parametrize(
    ("dosage", "text"),
    [
        (  # Nictiz medication-process shape: UCUM "1" with G-Standaard 245 as translation
            {
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"code": "9", "display": "oraal"}]},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": 1,
                            "system": "http://unitsofmeasure.org",
                            "code": "1",
                        }
                    }
                ],
            },
            "2 maal daags 1 stuk, oraal",
        ),
        (
            {
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}},
                "doseAndRate": [{"doseQuantity": {"value": 2.5, "unit": "ml"}}],
            },
            "1 maal per week 2,5 ml",
        ),
        (
            {
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": 1,
                            "system": "urn:oid:2.16.840.1.113883.2.4.4.1.900.2",
                            "code": "245",
                        }
                    }
                ],
            },
            "elke 8 uur 1 stuk",
        ),
        (
            {
                "asNeededCodeableConcept": {"text": "pijn"},
                "timing": {
                    "repeat": {"frequency": 3, "frequencyMax": 4, "period": 1, "periodUnit": "d"}
                },
                "doseAndRate": [
                    {"doseRange": {"low": {"value": 1, "unit": "stuk"}, "high": {"value": 2}}}
                ],
            },
            "zo nodig bij pijn 3 à 4 maal daags 1 à 2",
        ),
        (
            {
                "timing": {
                    "repeat": {
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "wk",
                        "dayOfWeek": ["mon", "thu"],
                        "when": ["PCM"],
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}],
            },
            "1 maal per week op maandag en donderdag na het ontbijt 10 mg",
        ),
        ({"text": "1 dd 1 tablet", "asNeededBoolean": True}, "1 dd 1 tablet"),  # text wins
        # STU3: the dose on the dosage itself.
        ({"doseQuantity": {"value": "0.5", "unit": "tablet"}}, "0,5 tablet"),
        ({}, ""),
    ],
)
def test_a_structured_dosage_reads_as_dutch(dosage, text):
    assert dosage_text(dosage) == text


# 4. The practice as managingOrganization ---------------------------------------------------


def test_the_practice_named_as_managing_organization_fills_the_gp_block():
    patient = b.patient(managingOrganization={"reference": "Organization/org1"})
    del patient["generalPractitioner"]
    (built,) = parse(patient, b.gp()[1]).summaries
    gp = built.summary.gp
    assert (gp.practice_name, gp.practice_agb, gp.practice_ura) == (
        "Huisartsenpraktijk De Linde",
        "01012345",
        "90000301",
    )
    assert "Organization/org1" in built.keys


# 6. The same resource twice on a page ------------------------------------------------------


def test_of_two_versions_on_a_page_the_newer_is_read_and_the_older_set_aside(caplog):
    older = b.allergy(text="Penicilline")
    older["meta"] = {"lastUpdated": "2026-11-01T10:00:00Z"}
    newer = b.allergy(text="Amoxicilline")
    newer["meta"] = {"lastUpdated": "2026-11-20T10:00:00+01:00"}
    with caplog.at_level(logging.WARNING, logger="summaries.fhir.duplicates"):
        result = parse(b.patient(), b.gp(), newer, older)
    (built,) = result.summaries
    assert [a.substance for a in built.summary.allergies] == ["Amoxicilline"]
    (item,) = result.quarantine
    assert item.reason == (
        "AllergyIntolerance/a1: duplicate on this page; the newer one (meta.lastUpdated "
        "2026-11-20T10:00:00+01:00) was read, the older one (2026-11-01T10:00:00Z) was set aside"
    )
    assert orjson.loads(item.payload) == [older]
    assert item.patient_bsn == "999911120"
    assert "AllergyIntolerance/a1: duplicate on this page" in caplog.text
    assert "(entry[3] and entry[4])" in caplog.text  # where to find them in the page


def test_two_versions_that_cannot_be_ordered_are_a_conflict_in_the_quarantine():
    first = b.allergy(text="Penicilline")
    second = b.allergy(text="Amoxicilline")  # neither has meta.lastUpdated
    result = parse(b.patient(), b.gp(), first, second)
    assert [a.substance for a in result.summaries[0].summary.allergies] == ["Penicilline"]
    (item,) = result.quarantine
    assert item.reason.startswith("AllergyIntolerance/a1: conflict on this page")
    assert orjson.loads(item.payload) == [second]


def test_an_identical_copy_is_read_once_without_a_quarantine_item():
    result = parse(b.patient(), b.gp(), b.allergy(), b.allergy())
    assert result.quarantine == []
    assert len(result.summaries[0].summary.allergies) == 1


# 7. Reasons name the referring resource and field ------------------------------------------


def test_a_missing_patient_is_named_with_the_resource_and_field_that_refer_to_it():
    result = parse(b.allergy(pid="example"), b.gp())
    reasons = [q.reason for q in result.quarantine if q.resource_type == "Patient"]
    assert reasons == [
        "AllergyIntolerance/a1.patient refers to Patient/example, which the page does not "
        "hold (its name and birth date are needed)"
    ]


def test_many_referring_resources_are_named_up_to_three():
    by_bsn = {"identifier": {"system": b.BSN, "value": "999911132"}}
    resources = [b.condition(f"c{i}", "T90", "Diabetes") for i in range(5)]
    for resource in resources:
        resource["subject"] = by_bsn
    (item,) = parse(*resources).quarantine
    assert item.reason == (
        "Condition/c0.subject, Condition/c1.subject, Condition/c2.subject and 2 more "
        "resource(s) refer to the patient with BSN 999911132 (by identifier), which the page "
        "does not hold (its name and birth date are needed)"
    )
