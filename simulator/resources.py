"""FHIR R4 resources in nl-core (zib2020) style, one builder method per resource type.

`PatientBuilder` collects one patient's resources in summary order; `generate.py` decides
what the patient has. Every random draw goes through the builder's `rng`, in a fixed order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from html import escape
from typing import Any

from simulator import catalog as cat
from simulator import journal
from simulator.practices import Practice

Resource = dict[str, Any]

NL = "http://nictiz.nl/fhir/StructureDefinition/"
HL7 = "http://hl7.org/fhir/StructureDefinition/"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
NAMING = "http://fhir.nl/fhir/NamingSystem/"
ATTENTION_FLAG = "https://spoedinzage.nl/fhir/StructureDefinition/episode-attention-flag"
XHTML = "http://www.w3.org/1999/xhtml"
JOURNAL_DAYS = 120  # the summary's journal covers the last 4 months

SOEP_SECTIONS = (
    ("255362007", "Subjectief"),
    ("260224007", "Objectief"),
    ("129265001", "Evaluatie"),
    ("129271007", "Plan"),
)
INTERPRETATION = {"H": "Hoog", "L": "Laag", "N": "Normaal"}
_CONTACT_WEIGHTS = [kind[3] for kind in journal.CONTACT_KINDS]


def ref(kind: str, ident: str, display: str | None = None) -> dict[str, str]:
    out = {"reference": f"{kind}/{ident}"}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None):
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def profile(name: str) -> dict[str, list[str]]:
    return {"profile": [NL + name]}


def own_name(prefix: str, own: str) -> list[dict[str, str]]:
    ext = [{"url": HL7 + "humanname-own-name", "valueString": own}]
    if prefix:
        ext.insert(0, {"url": HL7 + "humanname-own-prefix", "valueString": prefix})
    return ext


def nl_time(day: date, hour: int, minute: int) -> str:
    """Local Dutch time as practice systems write it.

    EU summer time runs from the last Sunday of March to the last Sunday of October; the
    hours around the switch are not worth the detail here.
    """

    def last_sunday(month: int) -> date:
        end = date(day.year, month, 31)
        return end - timedelta(days=(end.weekday() + 1) % 7)

    offset = "+02:00" if last_sunday(3) <= day < last_sunday(10) else "+01:00"
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00{offset}"


def practice_resources(practice: Practice) -> list[Resource]:
    """The practice's Organization, its GP's Practitioner and their PractitionerRole."""
    gp = practice.gp
    if gp is None:
        raise ValueError(f"practice {practice.agb} is not a generated one")
    org: Resource = {
        "resourceType": "Organization",
        "id": practice.organization_id,
        "meta": profile("nl-core-HealthcareProvider-Organization"),
        "identifier": [
            {"system": NAMING + "agb-z", "value": practice.agb},
            {"system": NAMING + "ura", "value": practice.ura},
        ],
        "type": [
            concept(
                "http://nictiz.nl/fhir/NamingSystem/organization-type", "Z3", "Huisartspraktijk"
            ),
            concept(
                "urn:oid:2.16.840.1.113883.2.4.6.7", "0100", "Huisartsen, niet nader gespecificeerd"
            ),
        ],
        "name": practice.name,
        "address": [
            {
                "use": "work",
                "line": [practice.street],
                "city": practice.city,
                "postalCode": practice.postal_code,
                "country": "NL",
            }
        ],
    }
    practitioner: Resource = {
        "resourceType": "Practitioner",
        "id": practice.practitioner_id,
        "meta": profile("nl-core-HealthProfessional-Practitioner"),
        "identifier": [
            {"system": NAMING + "uzi-nr-pers", "value": gp.uzi},
            {"system": NAMING + "agb-z", "value": gp.agb},
        ],
        "name": [
            {
                "use": "official",
                "text": gp.text,
                "family": gp.family,
                "_family": {"extension": own_name(gp.prefix, gp.own_name)},
                "given": [gp.initials],
                "_given": [
                    {"extension": [{"url": HL7 + "iso21090-EN-qualifier", "valueCode": "IN"}]}
                ],
            }
        ],
    }
    role: Resource = {
        "resourceType": "PractitionerRole",
        "id": practice.role_id,
        "meta": profile("nl-core-HealthProfessional-PractitionerRole"),
        "practitioner": ref("Practitioner", practice.practitioner_id, gp.text),
        "organization": ref("Organization", practice.organization_id, practice.name),
        "specialty": [concept(NAMING + "uzi-rolcode", "01.015", "Huisarts")],
    }
    return [org, practitioner, role]


class PatientBuilder:
    """One patient's resources, plus what later versions change (medication, lab panel)."""

    def __init__(self, practice: Practice, patient: int, today: date, rng: random.Random) -> None:
        self.practice = practice
        self.today = today
        self.rng = rng
        self.key = f"{practice.agb}-{patient:06d}"
        self.pid = f"pat-{self.key}"
        self.subject = ref("Patient", self.pid)
        self.author = ref("Practitioner", practice.practitioner_id)
        self.resources: list[Resource] = []
        self.meds: list[tuple[Resource, cat.Medication]] = []
        self.panel: list[str] = []
        self.shifts: dict[str, tuple[float, float]] = {}
        self._serial = 0

    def new_id(self, kind: str) -> str:
        self._serial += 1
        return f"{kind}-{self.key}-{self._serial}"

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))

    def recent_day(self) -> date:
        return self.today - timedelta(days=self.rng.randint(0, JOURNAL_DAYS - 1))

    def patient(self, person: dict[str, Any], bsn: str, version: int, last_updated: str) -> None:
        practice = self.practice
        street, number = person["street"], person["number"]
        self.resources.append(
            {
                "resourceType": "Patient",
                "id": self.pid,
                "meta": {
                    "versionId": str(version),
                    "lastUpdated": last_updated,
                    "profile": [NL + "nl-core-Patient"],
                },
                "identifier": [{"system": NAMING + "bsn", "value": bsn}],
                "name": [
                    {
                        "use": "official",
                        "text": f"{person['given']} {person['family']}",
                        "family": person["family"],
                        "_family": {"extension": own_name(person["prefix"], person["own"])},
                        "given": [person["given"]],
                    }
                ],
                "telecom": [{"system": "phone", "value": person["phone"], "use": "mobile"}],
                "gender": person["gender"],
                "birthDate": person["born"].isoformat(),
                "address": [
                    {
                        "use": "home",
                        "line": [f"{street} {number}"],
                        "_line": [
                            {
                                "extension": [
                                    {
                                        "url": HL7 + "iso21090-ADXP-streetName",
                                        "valueString": street,
                                    },
                                    {
                                        "url": HL7 + "iso21090-ADXP-houseNumber",
                                        "valueString": number,
                                    },
                                ]
                            }
                        ],
                        "city": person["city"],
                        "postalCode": person["postal_code"],
                        "country": "NL",
                    }
                ],
                "generalPractitioner": [
                    ref("Organization", practice.organization_id, practice.name),
                    ref(
                        "Practitioner",
                        practice.practitioner_id,
                        practice.gp.text if practice.gp else None,
                    ),
                ],
            }
        )

    def condition(
        self, code: str, display: str, onset: date, *, closed: date | None, attention: bool
    ) -> str:
        ident = self.new_id("cond")
        resource: Resource = {
            "resourceType": "Condition",
            "id": ident,
            "meta": profile("nl-core-Problem"),
        }
        if attention:
            resource["extension"] = [{"url": ATTENTION_FLAG, "valueBoolean": True}]
        resource["clinicalStatus"] = concept(
            TERMINOLOGY + "condition-clinical", "resolved" if closed else "active"
        )
        resource["verificationStatus"] = concept(TERMINOLOGY + "condition-ver-status", "confirmed")
        resource["category"] = [
            concept(TERMINOLOGY + "condition-category", "problem-list-item", "Problem List Item")
        ]
        resource["code"] = concept(cat.ICPC, code, display, display)
        resource["subject"] = self.subject
        resource["onsetDateTime"] = onset.isoformat()
        if closed:
            resource["abatementDateTime"] = closed.isoformat()
        self.resources.append(resource)
        return ident

    def medication(self, key: str, started: date, reason: str) -> None:
        rng = self.rng
        med = cat.MEDICATION[key]
        medication = concept(cat.PRK, med.prk, med.name, med.name)
        dosage = rng.choice(med.dosages)
        resource: Resource
        if rng.random() < 0.8:  # prescribed by the GP
            authored = self.day_between(started, self.today - timedelta(days=3))
            resource = {
                "resourceType": "MedicationRequest",
                "id": self.new_id("med"),
                "meta": profile("mp-MedicationAgreement"),
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": medication,
                "subject": self.subject,
                "authoredOn": authored.isoformat(),
                "requester": self.author,
                "reasonReference": [ref("Condition", reason)],
                "dosageInstruction": [{"text": dosage}],
            }
        else:  # started by a specialist, recorded by the practice
            resource = {
                "resourceType": "MedicationStatement",
                "id": self.new_id("med"),
                "meta": profile("mp-MedicationUse2"),
                "status": "active",
                "medicationCodeableConcept": medication,
                "subject": self.subject,
                "effectivePeriod": {"start": started.isoformat()},
                "reasonReference": [ref("Condition", reason)],
                "dosage": [{"text": dosage}],
            }
        self.resources.append(resource)
        self.meds.append((resource, med))

    def allergy(self, allergen: cat.Allergen, onset: date) -> None:
        rng = self.rng
        self.resources.append(
            {
                "resourceType": "AllergyIntolerance",
                "id": self.new_id("ai"),
                "meta": profile("nl-core-AllergyIntolerance"),
                "clinicalStatus": concept(TERMINOLOGY + "allergyintolerance-clinical", "active"),
                "verificationStatus": concept(
                    TERMINOLOGY + "allergyintolerance-verification", "confirmed"
                ),
                "category": [allergen.category],
                "criticality": rng.choice(("low", "high", "high", "unable-to-assess")),
                "code": concept(cat.SNOMED, allergen.code, allergen.display, allergen.display),
                "patient": self.subject,
                "onsetDateTime": onset.isoformat(),
                "reaction": [{"manifestation": [{"text": rng.choice(allergen.reactions)}]}],
            }
        )

    def lab(self, key: str, day: date, ident: str | None = None) -> None:
        rng = self.rng
        test = cat.LAB[key]
        mean, sd = self.shifts.get(key, (test.mean, test.sd))
        raw = max(rng.gauss(mean, sd), test.mean / 10)
        value: float | int = round(raw, test.decimals) if test.decimals else round(raw)
        flag = "N"
        if test.high is not None and value > test.high:
            flag = "H"
        elif test.low is not None and value < test.low:
            flag = "L"
        unit = {"unit": test.unit, "system": cat.UCUM, "code": test.ucum}
        bounds: dict[str, Any] = {}
        if test.low is not None:
            bounds["low"] = {"value": test.low, **unit}
        if test.high is not None:
            bounds["high"] = {"value": test.high, **unit}
        self.resources.append(
            {
                "resourceType": "Observation",
                "id": ident or self.new_id("lab"),
                "meta": profile("nl-core-LaboratoryTestResult"),
                "status": "final",
                "category": [
                    concept(TERMINOLOGY + "observation-category", "laboratory", "Laboratory")
                ],
                "code": concept(cat.LOINC, test.loinc, test.display, test.display),
                "subject": self.subject,
                "effectiveDateTime": nl_time(day, rng.randint(7, 11), rng.randrange(0, 60, 5)),
                "valueQuantity": {"value": value, **unit},
                "interpretation": [
                    concept(
                        TERMINOLOGY + "v3-ObservationInterpretation", flag, INTERPRETATION[flag]
                    )
                ],
                "referenceRange": [bounds],
            }
        )

    def contact(self, day: date, code: str, display: str) -> None:
        """A journal contact: the Encounter and its SOEP report."""
        rng = self.rng
        klass, klass_display, kind, _ = rng.choices(journal.CONTACT_KINDS, _CONTACT_WEIGHTS)[0]
        hour, minute = rng.randint(8, 16), rng.randrange(0, 50, 10)
        start, end = nl_time(day, hour, minute), nl_time(day, hour, minute + 9)
        encounter_id = self.new_id("enc")
        self.resources.append(
            {
                "resourceType": "Encounter",
                "id": encounter_id,
                "meta": profile("nl-core-Encounter"),
                "status": "finished",
                "class": {
                    "system": TERMINOLOGY + "v3-ActCode",
                    "code": klass,
                    "display": klass_display,
                },
                "type": [{"text": kind}],
                "subject": self.subject,
                "participant": [{"individual": self.author}],
                "period": {"start": start, "end": end},
                "reasonCode": [concept(cat.ICPC, code, display, display)],
                "serviceProvider": ref("Organization", self.practice.organization_id),
            }
        )
        values = {
            "rr": f"{rng.randint(118, 172)}/{rng.randint(68, 98)}",
            "pols": rng.randint(58, 96),
            "temp": f"{rng.uniform(36.4, 39.4):.1f}".replace(".", ","),
            "sat": rng.randint(91, 99),
            "gewicht": rng.randint(58, 118),
            "glucose": f"{rng.uniform(5.5, 11):.1f}".replace(".", ","),
            "crp": rng.randint(20, 160),
            "display": display,
            "rr_eval": rng.choice(("goed ingesteld", "nog niet op streefwaarde")),
            "dm_eval": rng.choice(("goed ingesteld", "HbA1c boven de streefwaarde")),
        }
        lines = rng.choice(journal.SOEP.get(code, journal.GENERIC_SOEP))
        sections = []
        for (snomed, title), line in zip(SOEP_SECTIONS, lines, strict=True):
            div = f'<div xmlns="{XHTML}">{escape(line.format(**values))}</div>'
            sections.append(
                {
                    "title": title,
                    "code": concept(cat.SNOMED, snomed, title),
                    "text": {"status": "generated", "div": div},
                }
            )
        self.resources.append(
            {
                "resourceType": "Composition",
                "id": self.new_id("soep"),
                "meta": profile("nl-core-SOAPReport"),
                "status": "final",
                "type": concept(cat.SNOMED, "11591000146107", "patiëntcontactverslag"),
                "subject": self.subject,
                "encounter": ref("Encounter", encounter_id),
                "date": start,
                "author": [self.author],
                "title": f"{kind.capitalize()} {day.strftime('%d-%m-%Y')}: {display}",
                "section": sections,
            }
        )

    def flag(self, text: str, start: date) -> None:
        self.resources.append(
            {
                "resourceType": "Flag",
                "id": self.new_id("flag"),
                "meta": profile("nl-core-Alert"),
                "status": "active",
                "code": {"text": text},
                "subject": self.subject,
                "period": {"start": start.isoformat()},
            }
        )
