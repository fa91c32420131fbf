"""A structured dosage (FHIR Dosage, R4 or STU3) as the Dutch text a GP would write.

Used only for a dosage that has no ``text`` (the sender's own text always wins): e.g. an
adrenaline auto-injector sent as ``asNeededBoolean: true`` must say "zo nodig", or the
nurse reads a daily medicine. Like the other section texts, this is the summary's domain
content, in Dutch whatever the reader's language. What cannot be said simply (a
calendar of doses, rates) is left out rather than guessed.
"""

from __future__ import annotations

from typing import Any

from summaries.fhir import read

UCUM = "http://unitsofmeasure.org"
G_STANDAARD_UNITS = "urn:oid:2.16.840.1.113883.2.4.4.1.900.2"  # G-Standaard thesaurus 902
PQ_TRANSLATION = "http://hl7.org/fhir/StructureDefinition/iso21090-PQ-translation"
# Units by code where the sender gave no `unit` text. G-Standaard 245 is "stuk" (the unit
# of a tablet, capsule or pen), as in Nictiz's medication-process examples.
G_STANDAARD_UNIT_NAMES = {"245": "stuk"}
UCUM_UNIT_NAMES = {
    "1": "stuk",
    "mL": "ml",
    "ml": "ml",
    "L": "l",
    "ug": "microgram",
    "mg": "mg",
    "g": "g",
    "[drp]": "druppel",
    "[iU]": "IE",
    "[IU]": "IE",
    "U": "E",
}
# (singular, plural) per UCUM unit of time, as Timing.repeat.periodUnit uses them.
PERIOD_UNITS = {
    "s": ("seconde", "seconden"),
    "min": ("minuut", "minuten"),
    "h": ("uur", "uur"),
    "d": ("dag", "dagen"),
    "wk": ("week", "weken"),
    "mo": ("maand", "maanden"),
    "a": ("jaar", "jaar"),
}
WHEN = {
    "MORN": "'s ochtends",
    "AFT": "'s middags",
    "EVE": "'s avonds",
    "NIGHT": "'s nachts",
    "HS": "voor het slapengaan",
    "WAKE": "na het opstaan",
    "C": "bij de maaltijd",
    "AC": "voor de maaltijd",
    "PC": "na de maaltijd",
    "CM": "bij het ontbijt",
    "ACM": "voor het ontbijt",
    "PCM": "na het ontbijt",
    "CD": "bij de lunch",
    "ACD": "voor de lunch",
    "PCD": "na de lunch",
    "CV": "bij het avondeten",
    "ACV": "voor het avondeten",
    "PCV": "na het avondeten",
}
DAYS = {
    "mon": "maandag",
    "tue": "dinsdag",
    "wed": "woensdag",
    "thu": "donderdag",
    "fri": "vrijdag",
    "sat": "zaterdag",
    "sun": "zondag",
}


def dosage_text(dosage: dict) -> str:
    """The dosage's own text, or one made from its structure ("" when it holds neither)."""
    if text := read.text_of(dosage.get("text")):
        return text
    parts = [
        _as_needed(dosage),
        _timing(dosage.get("timing")),
        _dose(dosage),
    ]
    text = " ".join(p for p in parts if p)
    route = _said(dosage.get("route"))
    if route:
        text = f"{text}, {route}" if text else route
    return text


def _said(concept: Any) -> str:
    """A concept's text or display; never a bare code ("19" tells a nurse nothing)."""
    if type(concept) is not dict:
        return ""
    if text := read.text_of(concept.get("text")):
        return text
    return next(
        (
            t
            for c in read.codings(concept)
            if type(c) is dict and (t := read.text_of(c.get("display")))
        ),
        "",
    )


def number(value: Any) -> str:
    """A FHIR decimal the Dutch way: 2,5 (not 2.5)."""
    return read.text_of(value).replace(".", ",")


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} en {words[-1]}"


def _as_needed(dosage: dict) -> str:
    reason = dosage.get("asNeededCodeableConcept")
    if reason is not None:
        text = read.concept_text(reason)
        return f"zo nodig bij {text}" if text else "zo nodig"
    if dosage.get("asNeededBoolean") in (True, "true"):
        return "zo nodig"
    return ""


def _timing(timing: Any) -> str:
    if type(timing) is not dict:
        return ""
    repeat = timing.get("repeat")
    if type(repeat) is not dict:
        return read.concept_text(timing.get("code"))  # e.g. "BID" with its display
    parts = [_frequency(repeat)]
    days = [DAYS[d] for d in read.as_list(repeat.get("dayOfWeek")) if type(d) is str and d in DAYS]
    if days:
        parts.append(f"op {_joined(days)}")
    when = [WHEN[w] for w in read.as_list(repeat.get("when")) if type(w) is str and w in WHEN]
    if when:
        parts.append(_joined(when))
    times = [read.text_of(t)[:5] for t in read.as_list(repeat.get("timeOfDay")) if read.text_of(t)]
    if times:
        parts.append(f"om {_joined(times)} uur")
    return " ".join(p for p in parts if p)


def _frequency(repeat: dict) -> str:
    """ "2 maal daags", "1 maal per week", "elke 8 uur", "3 maal per 2 dagen"."""
    frequency = number(repeat.get("frequency"))
    most = number(repeat.get("frequencyMax"))
    period = number(repeat.get("period"))
    unit = PERIOD_UNITS.get(read.text_of(repeat.get("periodUnit")))
    if period.endswith(",0"):  # "1.0" from XML, where JSON would say 1
        period = period[:-2]
    if not unit or not period:
        return f"{frequency} maal" if frequency else ""
    times = f"{frequency} à {most}" if frequency and most else frequency or "1"
    if period == "1":
        if unit[0] == "dag":
            return f"{times} maal daags"
        return f"{times} maal per {unit[0]}"
    if times == "1":
        return f"elke {period} {unit[1]}"
    return f"{times} maal per {period} {unit[1]}"


def _dose(dosage: dict) -> str:
    # R4: doseAndRate[].dose[x]; STU3: dose[x] on the dosage itself.
    for holder in [*read.as_list(dosage.get("doseAndRate")), dosage]:
        if type(holder) is not dict:
            continue
        quantity = holder.get("doseQuantity")
        if type(quantity) is dict and read.text_of(quantity.get("value")):
            return _amount(number(quantity.get("value")), quantity)
        dose_range = holder.get("doseRange")
        if type(dose_range) is dict:
            low = read.member(dose_range, "low") or {}
            high = read.member(dose_range, "high") or {}
            if type(low) is dict and type(high) is dict:
                values = [number(q["value"]) for q in (low, high) if read.text_of(q.get("value"))]
                if values:
                    return _amount(" à ".join(values), high if len(values) == 2 else low)
    return ""


def _amount(value: str, quantity: dict) -> str:
    unit = _unit(quantity)
    return f"{value} {unit}" if unit else value


def _unit(quantity: dict) -> str:
    if text := read.text_of(quantity.get("unit")):
        return text
    code = read.text_of(quantity.get("code"))
    system = quantity.get("system")
    if system == G_STANDAARD_UNITS:
        return G_STANDAARD_UNIT_NAMES.get(code, f"(eenheid G-Standaard {code})" if code else "")
    translation = read.extension_value(quantity, PQ_TRANSLATION)
    if type(translation) is dict and (text := _unit(translation)):
        return text
    if system == UCUM or not system:
        return UCUM_UNIT_NAMES.get(code, code.strip("{}"))
    return ""
