"""Map FHIR resources (R4 or STU3) onto the sections of the professional summary.

Each mapper takes one resource (and a resolver for the resources it refers
to) and returns a typed item, or a NotShown saying why the resource stays in
the summary's source without a place in a section. A resource that should be shown but
lacks what makes it safe to show (an allergy without a substance) raises
FieldError naming the resource and the field: build.py then leaves the item out of its
section, which says so, and it is quarantined alone; the rest of the summary is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from summaries.fhir import read
from summaries.fhir.dosage import dosage_text
from summaries.fhir.model import Alert, Allergy, Episode, JournalEntry, LabResult, Medication

ATTENTION_FLAG = "https://spoedinzage.nl/fhir/StructureDefinition/episode-attention-flag"
EPISODE_TITLES = (
    "http://nictiz.nl/fhir/StructureDefinition/EpisodeOfCare-Title",
    "http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName",
)
SOAP_SNOMED = {"255362007": "s", "260224007": "o", "129265001": "e", "129271007": "p"}
JOURNAL_LINE_TYPES = "http://fhir.nl/fhir/NamingSystem/journaalregeltypen"
LOINC_SYSTEMS = frozenset({read.LOINC})
INACTIVE = {
    "inactive",
    "resolved",
    "remission",
    "entered-in-error",
    "refuted",
    "completed",
    "stopped",
    "cancelled",
}
Resolver = Callable[[Any], dict | None]


class NotShown(str):
    """Why a resource has no place in a section (it stays in the source)."""


NOT_A_SUMMARY_ITEM = NotShown("not part of the professional summary")


def _inactive(status: str) -> NotShown:
    return NotShown(f"inactive (status {status})")


class FieldError(ValueError):
    def __init__(self, resource: dict, field: str, problem: str) -> None:
        self.location = f"{key_of(resource)}.{field}"
        super().__init__(f"{self.location}: {problem}")


def key_of(resource: dict) -> str:
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"


def contained(resource: dict, local_id: str) -> dict | None:
    """The resource in ``resource.contained`` with this id (FHIR's "#id" reference)."""
    for inner in read.as_list(resource.get("contained")):
        if type(inner) is dict and inner.get("id") == local_id:
            return inner
    return None


def referred(resource: dict, reference: Any, resolve: Resolver) -> dict | None:
    """What a reference in ``resource`` names: for "#id" a resource contained in it (FHIR
    R4 and STU3: a local reference is resolved within the referring resource), else one
    on the page, through ``resolve``."""
    if type(reference) is dict:
        literal = reference.get("reference")
        if type(literal) is str and literal.startswith("#"):
            return contained(resource, literal[1:])
    return resolve(reference)


def resolver_in(resource: dict, resolve: Resolver) -> Resolver:
    """``resolve``, or, for a resource with contained ones, a resolver that also finds
    those (most resources have none: they pay one look-up, not one call per reference)."""
    if "contained" not in resource:
        return resolve
    return lambda reference: referred(resource, reference, resolve)


def _required_text(resource: dict, field: str, concept: Any) -> str:
    text = read.concept_text(concept)
    if not text:
        raise FieldError(resource, field, "missing; cannot show this item without it")
    return text


def _icpc(concept: Any) -> str:
    coding = read.code_in(concept, read.ICPC_SYSTEMS)
    return read.text_of(coding.get("code")) if coding else ""


def flag(resource: dict, resolve: Resolver) -> Alert | NotShown:
    if (status := read.status_code(resource.get("status"))) in INACTIVE:
        return _inactive(status)
    text = _required_text(resource, "code", resource.get("code"))
    return Alert(text=text, since=read.date_of((resource.get("period") or {}).get("start")))


def treatment_directive(resource: dict, resolve: Resolver) -> Alert | NotShown:
    """zib TreatmentDirective (a Consent): e.g. "Niet reanimeren", shown as an alert."""
    profiles = read.profiles(resource)
    if "TreatmentDirective" not in profiles:
        return NOT_A_SUMMARY_ITEM
    if (status := read.status_code(resource.get("status"))) not in ("", "active"):
        return _inactive(status)
    text = read.concept_text(resource.get("category")) or read.concept_text(
        read.extension_value(
            resource,
            "http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther",
        )
    )
    provision = resource.get("provision") or {}
    what = read.concept_text(read.first(provision.get("code")) or provision.get("code"))
    kind = {"deny": "Niet", "permit": ""}.get(read.text_of(provision.get("type")), "")
    label = " ".join(p for p in (kind, what) if p) or text
    if not label:
        raise FieldError(resource, "provision.code", "missing; which treatment is limited?")
    return Alert(text=f"Behandelgrens: {label}", since=read.date_of(resource.get("dateTime")))


def allergy(resource: dict, resolve: Resolver) -> Allergy | NotShown:
    if (status := read.status_code(resource.get("clinicalStatus"))) in INACTIVE:
        return _inactive(status)
    substance = _required_text(resource, "code", resource.get("code"))
    reactions = tuple(
        read.concept_text(m)
        for r in read.as_list(resource.get("reaction"))
        if isinstance(r, dict)
        for m in read.as_list(r.get("manifestation"))
        if read.concept_text(m)
    )
    return Allergy(
        substance=substance,
        code=read.text_of((read.first(read.codings(resource.get("code"))) or {}).get("code")),
        criticality=read.text_of(resource.get("criticality")),
        category=", ".join(read.text_of(c) for c in read.as_list(resource.get("category"))),
        reactions=reactions,
        since=read.date_of(
            resource.get("onsetDateTime")
            or resource.get("assertedDate")
            or resource.get("recordedDate")
        ),
    )


def condition(resource: dict, resolve: Resolver) -> Episode | NotShown:
    if (status := read.status_code(resource.get("clinicalStatus"))) in INACTIVE:
        return _inactive(status)
    title = _required_text(resource, "code", resource.get("code"))
    icpc = _icpc(resource.get("code"))
    return Episode(
        title=title,
        icpc=icpc,
        attention=read.extension_value(resource, ATTENTION_FLAG) in (True, "true"),
        # ICPC chapter P: psychological problems, marked for the reader.
        psychological=icpc.upper().startswith("P"),
        since=read.date_of(resource.get("onsetDateTime") or resource.get("assertedDate")),
    )


def episode_of_care(resource: dict, resolve: Resolver) -> Episode | NotShown:
    if (status := read.status_code(resource.get("status"))) in INACTIVE | {"finished"}:
        return _inactive(status)
    resolve = resolver_in(resource, resolve)
    diagnosis = [
        resolve(d.get("condition"))
        for d in read.as_list(resource.get("diagnosis"))
        if isinstance(d, dict)
    ]
    concept = next((c.get("code") for c in diagnosis if c), None)
    title = next(
        (read.text_of(v) for url in EPISODE_TITLES if (v := read.extension_value(resource, url))),
        "",
    ) or read.concept_text(concept)
    if not title:
        # Nothing to show; its conditions, if any, are shown on their own.
        return NotShown("an episode without a title or a diagnosis")
    icpc = _icpc(concept)
    return Episode(
        title=title,
        icpc=icpc,
        attention=read.extension_value(resource, ATTENTION_FLAG) in (True, "true"),
        psychological=icpc.upper().startswith("P"),
        since=read.date_of((resource.get("period") or {}).get("start")),
    )


def medication(resource: dict, resolve: Resolver) -> Medication | NotShown:
    if (status := read.status_code(resource.get("status"))) in INACTIVE:
        return _inactive(status)
    concept = resource.get("medicationCodeableConcept")
    reference = resource.get("medicationReference")
    if concept is None and reference is not None:
        product = referred(resource, reference, resolve)  # (seldom: most send a code)
        concept = product.get("code") if product else reference
        if not read.concept_text(concept) and type(reference) is dict:
            # A product we cannot find or that has no code: the reference's own display.
            concept = {"text": read.text_of(reference.get("display"))}
    name = _required_text(resource, "medication[x]", concept)
    kind = {
        "MedicationStatement": "use",
        "MedicationRequest": "prescription",
        "MedicationDispense": "dispense",
    }[resource["resourceType"]]
    dosages = read.as_list(resource.get("dosage") or resource.get("dosageInstruction"))
    dosage = "; ".join(filter(None, (dosage_text(d) for d in dosages if type(d) is dict)))
    period = resource.get("effectivePeriod") or {}
    start = (
        period.get("start")
        or resource.get("effectiveDateTime")
        or resource.get("authoredOn")
        or resource.get("whenHandedOver")
    )
    code = read.first(read.codings(concept)) or {}
    return Medication(
        name=name,
        code=read.text_of(code.get("code")),
        dosage=dosage,
        kind=kind,
        start=read.date_of(start),
        end=read.date_of(period.get("end")),
    )


def _category_codes(resource: dict) -> set[str]:
    return {read.text_of(c.get("code")) for c in read.codings(resource.get("category"))}


def _quantity(resource: dict) -> tuple[str, str]:
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict):
        return read.text_of(quantity.get("value")), read.text_of(
            quantity.get("unit") or quantity.get("code")
        )
    for key in ("valueString", "valueInteger", "valueBoolean"):
        if key in resource:
            return read.text_of(resource[key]), ""
    if "valueCodeableConcept" in resource:
        return read.concept_text(resource["valueCodeableConcept"]), ""
    return "", ""


def _out_of_range(value: str, low: str, high: str, interpretation: str) -> bool:
    if interpretation.upper() in {"H", "HH", "L", "LL", "A", "AA", "HU", "LU", ">", "<"}:
        return True
    try:
        number = float(value)
        return (bool(low) and number < float(low)) or (bool(high) and number > float(high))
    except ValueError:
        return False


LAB_CATEGORIES = frozenset({"laboratory", "vital-signs", "275711006"})
LAB_PROFILES = (
    "LaboratoryTestResult",
    "DiagnosticResult",
    "LaboratoryResult",
    "BloodPressure",
    "BodyWeight",
    "BodyHeight",
)


def _declares_zib(profiles: str) -> bool:
    """A Dutch (zib / nl-core) profile says what the observation is: the lab and
    measurement ones are named above; any other (an Apgar score, a wound's length) is not a
    lab result, though it may be LOINC-coded with a number."""
    return "nictiz.nl/" in profiles or "fhir.nl/" in profiles


def _looks_like_a_result(resource: dict) -> bool:
    """A LOINC-coded observation with a measured value or a reference range."""
    if read.code_in(resource.get("code"), LOINC_SYSTEMS) is None:
        return False
    if resource.get("referenceRange") or type(resource.get("valueQuantity")) is dict:
        return True
    return any(
        type(c) is dict and type(c.get("valueQuantity")) is dict
        for c in read.as_list(resource.get("component"))
    )


def lab_result(resource: dict, resolve: Resolver) -> LabResult | NotShown:
    """Laboratory results and measurements (vital signs) with their reference ranges."""
    categories = _category_codes(resource)
    is_lab = not categories.isdisjoint(LAB_CATEGORIES)
    if not is_lab:
        profiles = read.profiles(resource)
        is_lab = any(p in profiles for p in LAB_PROFILES)
    if not is_lab and not categories and not _declares_zib(profiles):
        # category is optional in R4: a result is then known by what it is.
        is_lab = _looks_like_a_result(resource)
    if not is_lab:
        return NotShown("an observation that is not a lab result or measurement")
    if read.status_code(resource.get("status")) == "entered-in-error":
        return _inactive("entered-in-error")
    name = _required_text(resource, "code", resource.get("code"))
    value, unit = _quantity(resource)
    if not value:
        components = [c for c in read.as_list(resource.get("component")) if isinstance(c, dict)]
        value = " / ".join(v for v, _ in map(_quantity, components) if v)
        unit = next((u for _, u in map(_quantity, components) if u), "")
    reference = read.first(resource.get("referenceRange")) or {}
    low = read.text_of((reference.get("low") or {}).get("value"))
    high = read.text_of((reference.get("high") or {}).get("value"))
    interpretation = read.text_of(
        (read.first(read.codings(resource.get("interpretation"))) or {}).get("code")
    )
    loinc = read.code_in(resource.get("code"), LOINC_SYSTEMS) or {}
    return LabResult(
        name=name,
        date=read.date_of(
            resource.get("effectiveDateTime")
            or (resource.get("effectivePeriod") or {}).get("start")
            or resource.get("issued")
        ),
        value=value,
        unit=unit,
        low=low,
        high=high,
        interpretation=interpretation,
        out_of_range=_out_of_range(value, low, high, interpretation),
        code=read.text_of(loinc.get("code")),
    )


TAG = re.compile(r"<[^>]+>")


def plain_text(div: Any) -> str:
    """Text of a narrative div, for SOEP lines: tags out, entities decoded, spaces collapsed."""
    text = TAG.sub(" ", read.text_of(div) if not isinstance(div, str) else div)
    return " ".join(html.unescape(text).split())  # split() and re's \s: the same whitespace


def soap_letter(concept: Any) -> str:
    for coding in read.codings(concept):
        code = read.text_of(coding.get("code"))
        if coding.get("system") == "http://snomed.info/sct" and code in SOAP_SNOMED:
            return SOAP_SNOMED[code]
        if coding.get("system") == JOURNAL_LINE_TYPES and code.lower() in "soep":
            return {"s": "s", "o": "o", "e": "e", "p": "p"}[code.lower()]
    return ""


def journal_line(resource: dict) -> tuple[str, str, str] | None:
    """An Observation that is one SOEP line (R4 SOAPLine, STU3 gp-JournalEntry)."""
    letter = soap_letter(resource.get("code"))
    if not letter:
        return None
    text = read.text_of(resource.get("valueString")) or read.concept_text(
        resource.get("valueCodeableConcept")
    )
    icpc = _icpc(
        read.extension_value(
            resource, "http://nictiz.nl/fhir/StructureDefinition/ext-SOAPReport.SOAPLineCode"
        )
    )
    return letter, text, icpc


def composition(resource: dict, resolve: Resolver) -> JournalEntry | NotShown:
    """A contact report (R4 nl-core-SOAPReport, STU3 gp-EncounterReport) as a journal entry."""
    resolve = resolver_in(resource, resolve)
    lines: dict[str, list[str]] = {"s": [], "o": [], "e": [], "p": []}
    icpc = ""
    for section in read.as_list(resource.get("section")):
        if not isinstance(section, dict):
            continue
        letter = soap_letter(section.get("code"))
        texts = []
        for entry in read.as_list(section.get("entry")):
            target = resolve(entry)
            parsed = journal_line(target) if target else None
            if parsed:
                letter = letter or parsed[0]
                texts.append(parsed[1])
                icpc = icpc or parsed[2]
        if not texts and section.get("text"):
            texts.append(plain_text((section["text"] or {}).get("div")))
        if letter:
            lines[letter].extend(filter(None, texts))
    if not any(lines.values()):
        return NotShown("a composition without SOEP lines")
    encounter = resolve(resource.get("encounter")) or {}
    date = read.date_of((encounter.get("period") or {}).get("start") or resource.get("date"))
    if not date:
        raise FieldError(resource, "date", "missing; a journal entry needs its date")
    contact = read.concept_text(read.first(encounter.get("type"))) or read.text_of(
        resource.get("title")
    )
    icpc = icpc or _icpc(read.first(encounter.get("reasonCode")) or encounter.get("reason"))
    return JournalEntry(
        date=date,
        contact=contact,
        icpc=icpc,
        s=" ".join(lines["s"]),
        o=" ".join(lines["o"]),
        e=" ".join(lines["e"]),
        p=" ".join(lines["p"]),
    )
