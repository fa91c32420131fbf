"""Parsing at the edge: FHIR pages in, typed summaries or precise quarantine reasons out."""

import datetime as dt

import orjson
import pytest

from summaries.fhir import parse_page
from summaries.fhir.model import Limits
from summaries.fhir.page import PageError
from tests.summaries import builders as b


def parse(*resources, **kwargs):
    return parse_page(b.bundle(*resources), now=b.NOW, **kwargs)


def test_parse_page_builds_every_section_in_triage_order():
    result = parse(
        b.patient(),
        b.gp(),
        b.flag(),
        b.allergy(),
        b.medication(),
        b.condition("c1", "T90", "Diabetes mellitus type 2", attention=True),
        b.condition("c2", "P76", "Depressie"),
        b.condition("c3", "R74", "Acute infectie bovenste luchtwegen", status="resolved"),
        b.lab(),
        b.journal(),
    )
    assert result.quarantine == []
    assert result.snapshot == dt.datetime(2026, 11, 26, 11, 59, tzinfo=dt.UTC)
    (item,) = result.summaries
    summary = item.summary
    assert (item.bsn, item.birth_date) == ("999911120", dt.date(1950, 2, 3))
    assert summary.patient.name == "Jan Visser"
    assert summary.patient.sex == "male"
    assert summary.gp.name == "dr. E. Jansen"
    assert (summary.gp.uzi, summary.gp.practice_agb, summary.gp.practice_ura) == (
        "900000033",
        "01012345",
        "90000301",
    )
    assert [a.text for a in summary.alerts] == ["Niet reanimeren"]
    assert summary.allergies[0].substance == "Penicilline"
    assert summary.allergies[0].criticality == "high"
    assert summary.allergies[0].reactions == ("anafylaxie",)
    assert summary.medication[0].name == "metformine 500 mg tablet"
    assert summary.medication[0].dosage == "2 maal daags 1 tablet"
    # Open episodes only; attention first, psychological marked.
    assert [(e.icpc, e.attention, e.psychological) for e in summary.episodes] == [
        ("T90", True, False),
        ("P76", False, True),
    ]
    assert item.placement["Condition/c3"] == "not shown: inactive (status resolved)"
    lab = summary.lab[0]
    assert (lab.name, lab.value, lab.unit, lab.low, lab.high) == (
        "HbA1c",
        "53",
        "mmol/mol",
        "20",
        "42",
    )
    assert lab.out_of_range is True
    entry = summary.journal[0]
    assert entry.s == "Hoest sinds 3 weken & koorts"
    assert (entry.o, entry.e, entry.p) == (
        "Crepitaties re basaal",
        "Pneumonie",
        "Amoxicilline 3dd 500 mg",
    )
    assert entry.contact == "consult"


def test_out_of_range_is_computed_from_the_reference_range_without_interpretation():
    result = parse(b.patient(), b.gp(), b.lab(value=3, low=20, high=42, interpretation=""))
    assert result.summaries[0].summary.lab[0].out_of_range is True
    result = parse(b.patient(), b.gp(), b.lab(value=30, low=20, high=42, interpretation=""))
    assert result.summaries[0].summary.lab[0].out_of_range is False


def test_journal_and_lab_outside_the_four_month_window_are_left_out_and_counted():
    result = parse(b.patient(), b.gp(), b.lab(days=200), b.journal(days=130), b.lab("o2", days=30))
    summary = result.summaries[0].summary
    assert len(summary.lab) == 1 and summary.journal == ()
    assert summary.omitted_outside_window == 2
    assert summary.window_start == "2026-07-27"


def test_the_source_version_is_the_same_for_the_same_content():
    first = parse(b.patient(), b.gp(), b.allergy()).summaries[0]
    again = parse(b.patient(), b.gp(), b.allergy()).summaries[0]
    changed = parse(b.patient(), b.gp(), b.allergy(text="Amoxicilline")).summaries[0]
    assert first.source_version == again.source_version != changed.source_version


def test_truncated_json_fails_the_whole_page_with_the_position():
    data = b.bundle(b.patient(), b.gp())
    with pytest.raises(PageError, match=r"invalid JSON: .*char"):
        parse_page(data[: len(data) // 2], now=b.NOW)


def test_a_page_that_is_not_a_bundle_is_refused():
    with pytest.raises(PageError, match="expected a FHIR Bundle, got resourceType 'Patient'"):
        parse_page(orjson.dumps(b.patient()), now=b.NOW)


def test_an_oversized_page_is_refused_before_parsing():
    data = b.bundle(b.patient(), b.gp())
    with pytest.raises(PageError, match="SUMMARY_MAX_PAGE_BYTES"):
        parse_page(data, now=b.NOW, limits=Limits(max_page_bytes=len(data) - 1))


@pytest.mark.parametrize(
    ("patient", "reason"),
    [
        (b.patient(bsn=None), "Patient/p1.identifier: no BSN"),
        (
            b.patient(bsn="123456789"),
            "Patient/p1.identifier[0].value: '123456789' is not a valid BSN",
        ),
        (b.patient(birth_date=None), "Patient/p1.birthDate: missing"),
        (b.patient(birth_date="1950"), "Patient/p1.birthDate: '1950' is not a full date"),
    ],
)
def test_a_patient_that_cannot_be_found_by_bsn_and_birth_date_is_quarantined(patient, reason):
    result = parse(patient, b.gp(), b.allergy(), b.patient("p2", bsn="999911132"))
    assert [s.bsn for s in result.summaries] == ["999911132"]  # the other patient is fine
    (item,) = result.quarantine
    assert item.reason.startswith(reason)
    assert item.resource_type == "Patient" and item.resource_id == "p1"
    # The patient's resources (and the GP they refer to) are kept, to reprocess later.
    kept = sorted(r["resourceType"] for r in orjson.loads(item.payload))
    assert kept == ["AllergyIntolerance", "Organization", "Patient", "Practitioner"]


def test_a_masked_bsn_names_the_data_absent_reason():
    masked = b.patient(
        identifier=[
            {
                "system": b.BSN,
                "_value": {
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                            "valueCode": "masked",
                        }
                    ]
                },
            }
        ]
    )
    (item,) = parse(masked, b.gp()).quarantine
    assert (
        item.reason == "Patient/p1.identifier[0].value: BSN is absent (data-absent-reason 'masked')"
    )


def test_a_wrong_resource_type_is_quarantined_and_its_patient_is_missing():
    wrong = b.patient()
    wrong["resourceType"] = "Patiënt"
    result = parse(wrong, b.gp(), b.allergy())
    reasons = sorted(q.reason for q in result.quarantine)
    assert reasons == [
        "AllergyIntolerance/a1.patient refers to Patient/p1, which the page does not hold (its "
        "name and birth date are needed)",
        "Organization/org1: not referred to by any patient's resources on this page",
        "Practitioner/gp1: not referred to by any patient's resources on this page",
        "entry[0].resource.resourceType: 'Patiënt' is not a FHIR resource type",
    ]
    assert result.summaries == []


def test_an_item_without_what_makes_it_safe_to_show_is_left_out_and_the_rest_shown():
    result = parse(b.patient(), b.gp(), b.allergy(text=None), b.allergy("a2"), b.medication())
    (item,) = result.quarantine
    assert item.reason.startswith("AllergyIntolerance/a1.code: missing")
    assert (item.resource_type, item.resource_id, item.keys) == (
        "AllergyIntolerance",
        "a1",
        ("AllergyIntolerance/a1",),
    )
    assert item.patient_bsn == "999911120"  # a refusal leaves it out; a purge empties it
    assert [r["id"] for r in orjson.loads(item.payload)] == ["a1"]  # the item alone
    (built,) = result.summaries
    assert [a.substance for a in built.summary.allergies] == ["Penicilline"]  # a2
    assert built.summary.medication[0].name == "metformine 500 mg tablet"
    assert built.summary.unreadable == {"allergies": 1}
    assert built.summary.sections()["unreadable"] == {"allergies": 1}
    assert built.placement["AllergyIntolerance/a1"].startswith("not shown: cannot be read")


def test_a_deeply_nested_resource_is_quarantined_and_the_rest_imported():
    deep: dict = {"valueString": "x"}
    for _ in range(60):
        deep = {"extension": [deep], "url": "http://example.org/nest"}
    nested = b.allergy()
    nested["extension"] = [deep]
    result = parse(b.patient(), b.gp(), nested, limits=Limits(max_depth=40))
    assert any(
        "AllergyIntolerance/a1: nested more than 40 levels deep (SUMMARY_MAX_DEPTH)" == q.reason
        for q in result.quarantine
    )
    assert result.summaries[0].summary.allergies == ()


def test_a_resource_nested_deeper_than_any_serialiser_goes_is_quarantined_cut_off():
    """1,000 levels: orjson reads it, but neither it nor Python's json can write it back."""
    nested = b.allergy()
    nested["extension"] = [{"url": "http://example.org/nest", "x": "DEEP"}]
    data = b.bundle(b.patient(), b.gp(), nested).replace(b'"DEEP"', b"[" * 1000 + b"]" * 1000)
    result = parse_page(data, now=b.NOW)
    (item,) = [q for q in result.quarantine if q.resource_type == "AllergyIntolerance"]
    assert (
        item.reason == "AllergyIntolerance/a1: nested more than 40 levels deep (SUMMARY_MAX_DEPTH)"
    )
    kept = orjson.loads(item.payload)  # the record is JSON, cut off deep down
    assert kept[0]["id"] == "a1" and b"cut off in quarantine" in item.payload
    assert result.summaries[0].bsn  # the patient is imported without it


def test_fhir_xml_nested_beyond_what_can_be_read_fails_the_page_with_a_reason():
    extension = b'<extension url="u"><valueString value="x"/></extension>'
    for _ in range(3000):
        extension = b'<extension url="u">' + extension + b"</extension>"
    xml = (
        b'<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><entry><resource>'
        b'<Basic><id value="deep"/>' + extension + b"</Basic></resource></entry></Bundle>"
    )
    with pytest.raises(PageError, match="nested more than 40 levels deep"):
        parse_page(xml, now=b.NOW)


def test_an_oversized_summary_is_quarantined_with_its_size():
    big = b.allergy()
    big["note"] = [{"text": "x" * 5000}]
    result = parse(b.patient(), b.gp(), big, limits=Limits(max_summary_bytes=4000))
    (item,) = result.quarantine
    assert "the limit is 4,000 (SUMMARY_MAX_SUMMARY_BYTES)" in item.reason
    assert result.summaries == []


def test_stray_resources_are_quarantined_not_dropped():
    stray = b.allergy(pid="nobody")
    orphan_org = {"resourceType": "Organization", "id": "other", "name": "Elders"}
    result = parse(b.patient(), b.gp(), stray, orphan_org)
    reasons = sorted(q.reason for q in result.quarantine)
    assert reasons == [
        "AllergyIntolerance/a1.patient refers to Patient/nobody, which the page does not hold "
        "(its name and birth date are needed)",
        "Organization/other: not referred to by any patient's resources on this page",
    ]


def test_two_patients_with_one_bsn_keep_the_first_and_quarantine_the_second():
    result = parse(b.patient(), b.patient("p2"), b.gp())
    assert len(result.summaries) == 1
    assert (
        "BSN 999911120 belongs to another Patient on this page too" in result.quarantine[0].reason
    )


def test_fhir_xml_reads_like_json():
    xml = b"""<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/>
      <entry><resource><Patient><id value="x1"/>
        <identifier><system value="http://fhir.nl/fhir/NamingSystem/bsn"/>
          <value value="999911120"/></identifier>
        <name><family value="Jansen"/><given value="Els"/><given value="M."/></name>
        <gender value="female"/><birthDate value="1961-01-31"/></Patient></resource></entry>
      <entry><resource><AllergyIntolerance><id value="a1"/>
        <clinicalStatus value="active"/><code><text value="Jodium"/></code>
        <patient><reference value="Patient/x1"/></patient></AllergyIntolerance></resource></entry>
    </Bundle>"""
    result = parse_page(xml, now=b.NOW)
    summary = result.summaries[0].summary
    assert summary.patient.name == "Els M. Jansen"
    assert summary.allergies[0].substance == "Jodium"
    assert result.fhir_version == "STU3"  # clinicalStatus as a plain code


def test_xml_with_entities_is_refused_safely():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
    <Bundle xmlns="http://hl7.org/fhir"><type value="&lol2;"/></Bundle>"""
    with pytest.raises(PageError, match="invalid FHIR XML"):
        parse_page(bomb, now=b.NOW)


def test_a_shape_fhir_does_not_allow_leaves_the_item_out_instead_of_crashing():
    odd = b.allergy()
    odd["code"] = {"coding": ["penicilline"]}  # codings must be objects
    result = parse(b.patient(), b.gp(), odd, b.patient("p2", bsn="999911132"))
    assert [s.bsn for s in result.summaries] == ["999911120", "999911132"]
    assert result.summaries[0].summary.unreadable == {"allergies": 1}
    (item,) = result.quarantine
    assert item.reason.startswith("AllergyIntolerance/a1.*: unexpected structure (AttributeError")


def test_a_summary_never_shows_what_another_patients_record_holds():
    """p1's contact report names p2's encounter, and p1's episode names p2's diagnosis:
    neither is shown in p1's summary (a reference across records is a sender's error)."""
    encounter, report = b.journal("e2", pid="p2", days=30)  # p2's encounter, 30 days ago
    report = {**report, "id": "c-p1", "subject": {"reference": "Patient/p1"}, "date": b.days_ago(5)}
    episode = {
        "resourceType": "EpisodeOfCare",
        "id": "eoc1",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "diagnosis": [{"condition": {"reference": "Condition/c2"}}],
    }
    result = parse(
        b.patient(),
        b.patient("p2", bsn="999911132"),
        b.gp(),
        encounter,
        report,
        episode,
        b.condition("c2", "P76", "Depressie", pid="p2"),
    )
    first, second = sorted(result.summaries, key=lambda s: s.bsn)
    (entry,) = first.summary.journal
    assert (entry.date, entry.contact) == (b.days_ago(5), "")  # the report's own date
    assert first.summary.episodes == ()
    assert first.placement["EpisodeOfCare/eoc1"].startswith("not shown: an episode without")
    assert [e.title for e in second.summary.episodes] == ["Depressie"]  # p2's own


def test_a_summary_keeps_no_other_patients_resource_in_its_source():
    """p1's generalPractitioner names p2's condition (a sender's error): p1's stored source
    must not hold it, or it would outlive p2's refusal and purge (found by review)."""
    patient = b.patient(
        generalPractitioner=[
            {"reference": "Practitioner/gp1"},
            {"reference": "Organization/org1"},
            {"reference": "Condition/c2"},
        ]
    )
    result = parse(
        patient,
        b.patient("p2", bsn="999911132"),
        b.gp(),
        b.condition("c2", "P76", "Depressie", pid="p2"),
    )
    first, second = sorted(result.summaries, key=lambda s: s.bsn)
    assert "Condition/c2" not in first.keys
    assert all(r.get("id") != "c2" for r in first.source)
    assert (first.summary.gp.name, first.summary.gp.practice_name) == (
        "dr. E. Jansen",
        "Huisartsenpraktijk De Linde",
    )
    assert "Condition/c2" in second.keys
