"""Structured dosage in Dutch (summaries/fhir/dosage.py): the maximum per period and how long
the schedule lasts, R4 and STU3 (the Dosage datatype holds maxDosePerPeriod, a Ratio, and
Timing.repeat.boundsDuration, a Duration, in both)."""

from pathlib import Path

import pytest

from summaries.fhir import parse_page, read
from summaries.fhir.dosage import dosage_text
from summaries.fhir.xml import resource_from_xml
from tests.summaries import builders as b

NICTIZ = Path(__file__).resolve().parents[1] / "fixtures" / "nictiz"
UCUM = "http://unitsofmeasure.org"
G_STANDAARD_UNITS = "urn:oid:2.16.840.1.113883.2.4.4.1.900.2"
PIECES = {"value": 6, "system": G_STANDAARD_UNITS, "code": "245"}  # 6 "stuk", by code


@pytest.mark.parametrize(
    ("dosage", "text"),
    [
        (  # R4, the ceiling of an as-needed painkiller
            {
                "asNeededCodeableConcept": {"text": "pijn"},
                "doseAndRate": [{"doseQuantity": {"value": 1, "system": UCUM, "code": "1"}}],
                "maxDosePerPeriod": {
                    "numerator": PIECES,
                    "denominator": {"value": 24, "unit": "uur", "system": UCUM, "code": "h"},
                },
            },
            "zo nodig bij pijn 1 stuk, max. 6 stuks per 24 uur",
        ),
        (  # one of the period: "per dag", not "per 1 dag"
            {"maxDosePerPeriod": {"numerator": PIECES, "denominator": {"value": 1, "code": "d"}}},
            "max. 6 stuks per dag",
        ),
        (  # a unit as sent when it is not a UCUM unit of time
            {
                "maxDosePerPeriod": {
                    "numerator": {"value": 3000, "unit": "mg"},
                    "denominator": {"value": 1, "unit": "etmaal"},
                }
            },
            "max. 3000 mg per etmaal",
        ),
        ({"maxDosePerPeriod": {"numerator": {"value": 4, "unit": "tablet"}}}, "max. 4 tablet"),
        ({"maxDosePerPeriod": {"denominator": {"value": 1, "code": "d"}}}, ""),  # no amount
        (  # R5 allows several: the first is said
            {"maxDosePerPeriod": [{"numerator": PIECES, "denominator": {"value": 1, "code": "d"}}]},
            "max. 6 stuks per dag",
        ),
        (  # R4 boundsDuration: "dag" as the unit text, 5 of them
            {
                "timing": {
                    "repeat": {
                        "boundsDuration": {"value": 5, "unit": "dag", "system": UCUM, "code": "d"},
                        "frequency": 3,
                        "period": 1,
                        "periodUnit": "d",
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}],
            },
            "3 maal daags 500 mg gedurende 5 dagen",
        ),
        (
            {"timing": {"repeat": {"boundsDuration": {"value": 1, "code": "wk"}}}},
            "gedurende 1 week",
        ),
        ({"timing": {"repeat": {"boundsDuration": {"unit": "dagen"}}}}, ""),  # no value
        (  # everything at once, in the order a GP writes it
            {
                "asNeededBoolean": True,
                "timing": {
                    "repeat": {
                        "boundsDuration": {"value": 5, "code": "d"},
                        "frequency": 3,
                        "period": 1,
                        "periodUnit": "d",
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 2, "system": UCUM, "code": "1"}}],
                "maxDosePerPeriod": {
                    "numerator": PIECES,
                    "denominator": {"value": 24, "code": "h"},
                },
                "route": {"coding": [{"code": "9", "display": "oraal"}]},
            },
            "zo nodig 3 maal daags 2 stuks gedurende 5 dagen, max. 6 stuks per 24 uur, oraal",
        ),
        (  # STU3: the dose on the dosage itself, XML numbers as text
            {
                "doseQuantity": {"value": "1", "unit": "stuk"},
                "maxDosePerPeriod": {
                    "numerator": {"value": "4", "unit": "stuk"},
                    "denominator": {"value": "1.0", "unit": "dag", "code": "d"},
                },
            },
            "1 stuk, max. 4 stuks per dag",
        ),
        ({"text": "max 6 per dag", "maxDosePerPeriod": {"numerator": PIECES}}, "max 6 per dag"),
        (  # only a ceiling on the frequency
            {"timing": {"repeat": {"frequencyMax": 4, "period": 1, "periodUnit": "d"}}},
            "max. 4 maal daags",
        ),
        ({"timing": {"repeat": {"frequencyMax": 2}}}, "max. 2 maal"),
    ],
)
def test_dosage_text_says_the_maximum_per_period_and_the_duration(dosage, text):
    assert dosage_text(dosage) == text


def test_dosage_text_reads_the_duration_of_nictiz_r4_medication_process_example():
    """Nictiz MP9 (R4): boundsDuration 7 "dag" (unit text singular, UCUM code d)."""
    path = NICTIZ / "Nictiz-R4-MedicationProcess" / "mp-VarDosReg-mp9-MBH920mgexample-2-WDS-1.xml"
    request = resource_from_xml(path.read_bytes())
    first, second = (dict(d) for d in read.as_list(request["dosageInstruction"]))
    first.pop("text", None), second.pop("text", None)
    assert dosage_text(first) == "1 maal daags om 20:00 uur 1 stuk gedurende 7 dagen, Oraal"
    assert dosage_text(second) == "1 maal daags om 20:00 uur 1 stuk gedurende 3 dagen, Oraal"


def test_dosage_text_reads_the_maximum_of_nictiz_stu3_medication_use_example():
    """Nictiz zib2017 (STU3) MedicationUse-01, as structure only (without its own text, which
    says "maximaal 6 stuks per dag"); its as-needed code is NHG table 25's "zo nodig"."""
    path = NICTIZ / "Nictiz-STU3-Zib2017" / "zib-MedicationUse-01.xml"
    (dosage,) = read.as_list(resource_from_xml(path.read_bytes())["dosage"])
    dosage = dict(dosage)
    assert "maximaal 6 stuks per dag" in dosage.pop("text")
    # frequencyMax 4 without a frequency: at most 4 times a day (not "1 maal daags").
    assert dosage_text(dosage) == (
        "zo nodig max. 4 maal daags 1 à 2 stuks, max. 6 stuks per dag, ORAAL"
    )


def test_parse_page_shows_the_maximum_and_duration_of_a_medication_without_text():
    statement = b.medication()
    statement["dosage"] = [
        {
            "asNeededBoolean": True,
            "timing": {"repeat": {"boundsDuration": {"value": 5, "unit": "dag", "code": "d"}}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "stuk"}}],
            "maxDosePerPeriod": {
                "numerator": {"value": 6, "unit": "stuk"},
                "denominator": {"value": 24, "unit": "uur", "system": UCUM, "code": "h"},
            },
        }
    ]
    (built,) = parse_page(b.bundle(b.patient(), *b.gp(), statement), now=b.NOW).summaries
    assert built.summary.medication[0].dosage == (
        "zo nodig 1 stuk gedurende 5 dagen, max. 6 stuks per 24 uur"
    )
