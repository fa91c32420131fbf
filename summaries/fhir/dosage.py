"""A structured dosage (FHIR Dosage, R4 or STU3) as the Dutch text a GP would write.

Used only for a dosage that has no ``text`` (the sender's own text always wins): e.g. an
adrenaline auto-injector sent as ``asNeededBoolean: true`` must say "zo nodig", or the
nurse reads a daily medicine. Like the other section texts, this is the summary's domain
content, in Dutch whatever the reader's language. What cannot be said simply (a
calendar of doses, rates) is left out rather than guessed.

    zo nodig 3 maal daags 1 stuk gedurende 5 dagen, max. 6 stuks per 24 uur, oraal
    (asNeeded, timing.repeat, doseAndRate, timing.repeat.boundsDuration, maxDosePerPeriod,
    route: the same elements in R4 and STU3, where the dose sits on the dosage itself)
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
# The plural of the unit names above that have one ("2 stuks", not "2 stuk").
PLURALS = {"stuk": "stuks", "druppel": "druppels"}
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
    timing = dosage.get("timing")
    parts = [
        _as_needed(dosage),
        _timing(timing),
        _dose(dosage),
        _bounds(timing),
    ]
    text = " ".join(p for p in parts if p)
    # A ceiling matters most with "zo nodig": 6 in a day, however often the need comes.
    for more in (_max_per_period(dosage), _said(dosage.get("route"))):
        if more:
            text = f"{text}, {more}" if text else more
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


def _count(value: Any) -> str:
    """A whole number as a count: "1" also for the "1.0" that XML may hold."""
    text = number(value)
    return text[:-2] if text.endswith(",0") else text


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} en {words[-1]}"


def _as_needed(dosage: dict) -> str:
    reason = dosage.get("asNeededCodeableConcept")
    if reason is not None:
        text = read.concept_text(reason)
        # NHG table 25's own "zo nodig" (code 1137) names no reason: not "zo nodig bij zo nodig".
        return f"zo nodig bij {text}" if text and text.lower() != "zo nodig" else "zo nodig"
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
    """ "2 maal daags", "1 maal per week", "elke 8 uur", "3 maal per 2 dagen", "max. 4 maal
    daags"."""
    frequency = number(repeat.get("frequency"))
    most = number(repeat.get("frequencyMax"))
    period = number(repeat.get("period"))
    unit = PERIOD_UNITS.get(read.text_of(repeat.get("periodUnit")))
    if period.endswith(",0"):  # "1.0" from XML, where JSON would say 1
        period = period[:-2]
    if frequency and most:
        times = f"{frequency} à {most}"
    elif most:  # only a ceiling (Nictiz zib-MedicationUse-01): never "1 maal daags"
        times = f"max. {most}"
    else:
        times = frequency or "1"
    if not unit or not period:
        return f"{times} maal" if frequency or most else ""
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
    if not unit:
        return value
    try:  # "1 à 2": the largest decides; "0 stuks", but "0,5 stuk"
        amount = float(value.rsplit(" ", 1)[-1].replace(",", "."))
    except ValueError:
        amount = 1.0
    many = amount > 1 or amount == 0
    if many:
        unit = PLURALS.get(unit.lower(), unit)
    return f"{value} {unit}"


def _max_per_period(dosage: dict) -> str:
    """ "max. 6 stuks per 24 uur", "max. 4 stuks per dag": Dosage.maxDosePerPeriod, a Ratio
    (R4 and STU3; R5 allows several, of which the first is said)."""
    ratio = read.first(dosage.get("maxDosePerPeriod"))
    if type(ratio) is not dict:
        return ""
    numerator, denominator = ratio.get("numerator"), ratio.get("denominator")
    if type(numerator) is not dict or not read.text_of(numerator.get("value")):
        return ""
    most = _amount(number(numerator.get("value")), numerator)
    period = _duration(denominator, per=True) if type(denominator) is dict else ""
    return f"max. {most} per {period}" if period else f"max. {most}"


def _bounds(timing: Any) -> str:
    """ "gedurende 5 dagen": Timing.repeat.boundsDuration, how long the schedule lasts."""
    bounds = read.member(read.member(timing, "repeat"), "boundsDuration")
    duration = _duration(bounds) if type(bounds) is dict else ""
    return f"gedurende {duration}" if duration else ""


def _duration(quantity: dict, *, per: bool = False) -> str:
    """ "5 dagen", "24 uur", "1 dag" from a Duration (a UCUM unit of time, as FHIR requires;
    else the unit as sent). With per=True, "dag" for one day: "per dag", not "per 1 dag"."""
    value = _count(quantity.get("value"))
    names = PERIOD_UNITS.get(read.text_of(quantity.get("code")))
    if names:
        unit = names[0] if value in ("1", "") else names[1]
    else:
        unit = read.text_of(quantity.get("unit"))
    if not unit or (not value and not per):
        return ""
    if per and value in ("1", ""):
        return unit
    return f"{value} {unit}"


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
