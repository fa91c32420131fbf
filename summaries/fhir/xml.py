"""FHIR XML to the dict shape of FHIR JSON.

Without the structure definitions we cannot know every element's
cardinality: elements that repeat become lists, single ones stay single,
and a set of elements that are arrays in FHIR JSON are always lists. The
readers in ``read.py`` accept both shapes. Parsed with defusedxml: no
entity expansion, no external entities, from untrusted GP systems.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, tostring

from defusedxml.ElementTree import fromstring

FHIR_NS = "{http://hl7.org/fhir}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"

# Complex elements that FHIR JSON always writes as arrays.
ALWAYS_LIST = frozenset(
    {
        "extension",
        "modifierExtension",
        "identifier",
        "coding",
        "entry",
        "link",
        "telecom",
        "address",
        "contained",
        "category",
        "section",
        "reaction",
        "manifestation",
        "dosage",
        "dosageInstruction",
        "referenceRange",
        "interpretation",
        "reasonCode",
        "note",
        "performer",
        "component",
        "generalPractitioner",
        "diagnosis",
        "participant",
        "author",
        "contact",
        "qualification",
        "substance",
        "bodySite",
        "evidence",
    }
)
# Repeating primitives: arrays in JSON too.
ALWAYS_LIST_PRIMITIVE = frozenset({"given", "prefix", "suffix", "line", "profile"})


class FhirXmlError(ValueError):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_resource_wrapper(element: Element) -> bool:
    children = list(element)
    return (
        len(children) == 1
        and children[0].tag.startswith(FHIR_NS)
        and _local(children[0].tag)[:1].isupper()
        and "value" not in element.attrib
    )


def _convert(element: Element) -> Any:
    if element.tag == XHTML_NS + "div":
        return tostring(element, encoding="unicode")
    if _is_resource_wrapper(element):
        return resource_from_element(list(element)[0])
    children = list(element)
    if "value" in element.attrib:
        return element.attrib["value"]
    out: dict[str, Any] = {}
    if "id" in element.attrib:
        out["id"] = element.attrib["id"]
    if "url" in element.attrib:
        out["url"] = element.attrib["url"]
    grouped: dict[str, list] = {}
    shadows: dict[str, list] = {}
    for child in children:
        name = _local(child.tag)
        value = _convert(child)
        grouped.setdefault(name, []).append(value)
        # A primitive with extensions: the JSON "_name" sibling.
        if "value" in child.attrib and len(child):
            shadows.setdefault(name, []).append(
                {"extension": [_convert(e) for e in child if _local(e.tag) == "extension"]}
            )
    for name, values in grouped.items():
        if name in ALWAYS_LIST or name in ALWAYS_LIST_PRIMITIVE or len(values) > 1:
            out[name] = values
        else:
            out[name] = values[0]
    for name, values in shadows.items():
        out["_" + name] = values if len(values) > 1 else values[0]
    return out


def resource_from_element(element: Element) -> dict[str, Any]:
    if not element.tag.startswith(FHIR_NS):
        raise FhirXmlError(f"<{_local(element.tag)}> is not in the FHIR namespace")
    resource = {"resourceType": _local(element.tag)}
    converted = _convert(element)
    if isinstance(converted, dict):
        resource.update(converted)
    return resource


def resource_from_xml(data: bytes) -> dict[str, Any]:
    try:
        root = fromstring(data)
    except Exception as exc:  # defusedxml raises several kinds
        raise FhirXmlError(f"not well-formed XML: {exc}") from exc
    return resource_from_element(root)
