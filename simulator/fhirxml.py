"""FHIR JSON to FHIR XML, for a --from-dir directory that mixes the two formats.

A searchset Bundle has one format, so a mixed directory is served as XML and its JSON files
are converted. This direction needs no structure definitions: every rule of the XML
representation (https://hl7.org/fhir/R4/xml.html, the same in STU3) can be read off the JSON
itself, whereas XML to JSON must know which elements repeat and which primitives are numbers
or booleans. The rules followed:

- a resource is an element named by its `resourceType`, in the FHIR namespace; a resource
  inside another (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`) is
  wrapped in the element that holds it;
- a primitive is an element with a `value` attribute; its `_name` sibling (element id and
  extensions) becomes that element's `id` attribute and `extension` children, item by item
  for repeating primitives (a `null` value with extensions is an element without `value`);
- `id` is an element on a resource and an attribute everywhere else; `url` is an attribute
  on an extension;
- a list is the element repeated; `Narrative.div` is the XHTML itself;
- numbers keep their text as written (1.50 stays 1.50); `fhir_comments` are left out.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import quoteattr

from defusedxml.ElementTree import fromstring

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXTENSIONS = ("extension", "modifierExtension")


class ConversionError(ValueError):
    """The JSON cannot be written as FHIR XML; says where."""


def json_to_xml(raw: bytes) -> bytes:
    """One FHIR JSON resource as FHIR XML text (UTF-8, no XML declaration)."""
    try:
        data = json.loads(raw, parse_float=str, parse_int=str)
    except ValueError as exc:
        raise ConversionError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise ConversionError("not a FHIR resource (no resourceType)")
    out: list[str] = []
    _resource(data, out, "", root=True)
    return "".join(out).encode()


def _resource(resource: dict, out: list[str], path: str, *, root: bool = False) -> None:
    name = _checked_name(resource["resourceType"], path or "resourceType")
    out.append(f'<{name} xmlns="{FHIR_NS}">' if root else f"<{name}>")
    _members(resource, out, path or name, resource=True, extension=False)
    out.append(f"</{name}>")


def _members(obj: dict, out: list[str], path: str, *, resource: bool, extension: bool) -> None:
    for key, value in obj.items():
        if key == "fhir_comments" or (resource and key == "resourceType"):
            continue
        if not resource and (key == "id" or (extension and key == "url")):
            continue  # attributes, written with the element's start tag
        if key.startswith("_"):
            if key[1:] not in obj:  # extensions of a primitive without a value
                _element(key[1:], None, value, out, path)
            continue
        _element(key, value, obj.get(f"_{key}"), out, path)


def _element(name: str, value: Any, shadow: Any, out: list[str], path: str) -> None:
    _checked_name(name, f"{path}.{name}")
    if isinstance(value, list) or isinstance(shadow, list):
        values = value if isinstance(value, list) else []
        shadows = shadow if isinstance(shadow, list) else []
        for i in range(max(len(values), len(shadows))):
            item = values[i] if i < len(values) else None
            extra = shadows[i] if i < len(shadows) else None
            if isinstance(item, list):
                raise ConversionError(f"{path}.{name}[{i}]: a list in a list")
            _one(name, item, extra, out, f"{path}.{name}[{i}]")
    else:
        _one(name, value, shadow, out, f"{path}.{name}")


def _one(name: str, value: Any, shadow: Any, out: list[str], path: str) -> None:
    if value is None and shadow is None:
        return
    if isinstance(value, dict) and isinstance(value.get("resourceType"), str):
        out.append(f"<{name}>")
        _resource(value, out, path)
        out.append(f"</{name}>")
        return
    if name == "div" and isinstance(value, str):
        out.append(_xhtml(value, path))
        return
    if isinstance(value, dict):
        attributes = _attributes(value, path, url=name in _EXTENSIONS)
        out.append(f"<{name}{attributes}>")
        _members(value, out, path, resource=False, extension=name in _EXTENSIONS)
        out.append(f"</{name}>")
        return
    attributes = "" if value is None else f" value={_quoted(_text(value, path), path)}"
    if isinstance(shadow, dict):
        attributes += _attributes(shadow, path, url=False)
        out.append(f"<{name}{attributes}>")
        _members(shadow, out, path, resource=False, extension=False)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}{attributes}/>")


def _attributes(obj: dict, path: str, *, url: bool) -> str:
    found = ""
    if obj.get("id") is not None:
        found += f" id={_quoted(_text(obj['id'], path + '.id'), path)}"
    if url and obj.get("url") is not None:
        found += f" url={_quoted(_text(obj['url'], path + '.url'), path)}"
    return found


def _text(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise ConversionError(f"{path}: {type(value).__name__} where a primitive value belongs")


def _quoted(text: str, path: str) -> str:
    if _NOT_XML.search(text):
        raise ConversionError(f"{path}: holds a character XML cannot carry")
    return quoteattr(text)


def _xhtml(div: str, path: str) -> str:
    """The narrative's XHTML as it is, once it is known to be a well-formed XHTML div."""
    if _NOT_XML.search(div):
        raise ConversionError(f"{path}: holds a character XML cannot carry")
    try:
        root = fromstring(div.encode())
    except Exception as exc:  # defusedxml raises several kinds
        raise ConversionError(f"{path}: not well-formed XHTML: {exc}") from None
    if root.tag == "div":  # JSON must carry the namespace; be lenient, as readers are
        return div.replace("<div", f'<div xmlns="{XHTML_NS}"', 1)
    if root.tag != f"{{{XHTML_NS}}}div":
        raise ConversionError(f"{path}: not an XHTML <div>")
    return div


def _checked_name(name: Any, path: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConversionError(f"{path}: {name!r} cannot be an XML element name")
    return name
