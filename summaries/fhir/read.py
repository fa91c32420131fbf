"""Tolerant readers for FHIR dicts from JSON or converted XML, R4 or STU3.

FHIR JSON makes repeating elements arrays; our XML conversion cannot know
the cardinality, and STU3 has codes where R4 has CodeableConcepts. These
helpers accept either shape, so the mappers stay short.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.identifiers import AGB_SYSTEM, BSN_SYSTEM, URA_SYSTEM, UZI_SYSTEM

# Each identifier by its NamingSystem URI (audit.identifiers, the one list) or its OID.
BSN_SYSTEMS = frozenset({BSN_SYSTEM, "urn:oid:2.16.840.1.113883.2.4.6.3"})
AGB_SYSTEMS = frozenset({AGB_SYSTEM, "urn:oid:2.16.840.1.113883.2.4.6.1"})
URA_SYSTEMS = frozenset({URA_SYSTEM, "urn:oid:2.16.528.1.1007.3.3"})
UZI_SYSTEMS = frozenset({UZI_SYSTEM, "urn:oid:2.16.528.1.1007.3.1"})
ICPC_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/icpc-1-nl", "http://hl7.org/fhir/sid/icpc-1"})
LOINC = "http://loinc.org"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
CONTAINERS = (dict, list)  # a tuple: `dict | list` would build a new union on every call


def as_list(value: Any) -> list:
    if type(value) is list:
        return value
    return [] if value is None else [value]


def in_systems(value: Any, systems: frozenset[str] | set[str]) -> bool:
    """A system URI that is one of these (a list or object there is simply not one)."""
    return type(value) is str and value in systems


def member(element: Any, name: str) -> Any:
    """element[name] when element is an object; None when it is not (a malformed parent)."""
    return element.get(name) if type(element) is dict else None


def profiles(resource: dict) -> str:
    """The resource's meta.profile URLs as one text, to look for a profile name in (not
    stripped: its callers look for names within it, never compare it whole)."""
    found = member(resource.get("meta"), "profile")
    if type(found) is list:
        try:
            return " ".join(found)  # the common case: a list of texts
        except TypeError:
            pass  # something else among them
    return " ".join(text_of(p) for p in as_list(found))


def first(value: Any) -> Any:
    items = as_list(value)
    return items[0] if items else None


def text_of(value: Any) -> str:
    """A primitive as text: strings as they are, numbers without float noise."""
    if type(value) is str:
        return value.strip()
    if value is None or isinstance(value, CONTAINERS):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value).strip()


def codings(concept: Any) -> list[dict]:
    """Codings of a CodeableConcept (R4), or a Coding, or a bare code (STU3)."""
    if type(concept) is dict:  # the common case: one CodeableConcept with a coding list
        found = concept.get("coding")
        if type(found) is list:
            return found  # a coding that is not an object fails in the mapper: quarantined
    out = []
    for item in as_list(concept):
        if isinstance(item, dict):
            if "coding" in item:
                out.extend(c for c in as_list(item["coding"]) if isinstance(c, dict))
            elif "code" in item or "system" in item:
                out.append(item)
        elif isinstance(item, str):
            out.append({"code": item})
    return out


def code_in(concept: Any, systems: frozenset[str] | set[str]) -> dict | None:
    for coding in codings(concept):
        if in_systems(coding.get("system"), systems):
            return coding
    return None


def concept_text(concept: Any) -> str:
    """What a person reads for a concept: its text, else the first display, else a code."""
    if type(concept) is dict and type(concept.get("text")) is str:  # the common case
        if text := concept["text"].strip():
            return text
    for item in as_list(concept):
        if isinstance(item, dict) and (text := text_of(item.get("text"))):
            return text
    found = codings(concept)
    for coding in found:
        if text := text_of(coding.get("display")):
            return text
    for coding in found:
        if text := text_of(coding.get("code")):
            return text
    return ""


def status_code(value: Any) -> str:
    """clinicalStatus and friends: a code (STU3) or a CodeableConcept (R4)."""
    if isinstance(value, str):
        return value
    coding = first(codings(value))
    return text_of(coding.get("code")) if coding else ""


def identifier_value(resource: dict, systems: frozenset[str]) -> str | None:
    for identifier in as_list(resource.get("identifier")):
        if isinstance(identifier, dict) and in_systems(identifier.get("system"), systems):
            return text_of(identifier.get("value"))
    return None


def extension_value(element: Any, url: str) -> Any:
    extensions = element.get("extension") if isinstance(element, dict) else None
    if not extensions:
        return None  # most elements have none
    for ext in as_list(extensions):
        if isinstance(ext, dict) and ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def instant(value: Any) -> dt.datetime | None:
    """A FHIR instant (meta.lastUpdated) as a datetime; None when absent or not one."""
    text = text_of(value)
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def date_of(value: Any) -> str:
    """The date part (YYYY-MM-DD, or shorter when partial) of a FHIR date/dateTime."""
    text = text_of(value)
    return text[:10]


def human_name(resource: dict) -> str:
    names = [n for n in as_list(resource.get("name")) if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if official is None:
        return ""
    if text_of(official.get("text")):
        return text_of(official["text"])
    parts = [text_of(p) for p in as_list(official.get("prefix"))]
    parts += [text_of(g) for g in as_list(official.get("given"))]
    parts.append(text_of(official.get("family")))
    return " ".join(p for p in parts if p)


def address_text(resource: dict) -> str:
    address = first(resource.get("address"))
    if not isinstance(address, dict):
        return ""
    if text_of(address.get("text")):
        return text_of(address["text"])
    lines = " ".join(text_of(line) for line in as_list(address.get("line")))
    place = " ".join(
        p for p in (text_of(address.get("postalCode")), text_of(address.get("city"))) if p
    )
    return ", ".join(p for p in (lines, place) if p)
