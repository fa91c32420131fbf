"""A practice whose data are FHIR files in a directory (e.g. the Nictiz examples).

A directory of JSON files is served as a JSON searchset Bundle. One with any XML file in it
is served as one FHIR XML searchset Bundle, composed as text so every XML file goes out
exactly as published, and its JSON files converted to FHIR XML (simulator.fhirxml: JSON to
XML needs no structure definitions, the other way round does). STU3 and R4 files may be
mixed: each goes out as it is. The directory is re-read on each search (cheaply: files are
re-parsed only when their size or mtime changed), so that `_lastUpdated` can follow the
files' modification times.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import quoteattr

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from simulator.fhirxml import ConversionError, json_to_xml
from simulator.practices import FHIR_R4, FHIR_STU3

FHIR_NS = "{http://hl7.org/fhir}"
# Everything before the root element: XML declaration, processing instructions such as
# <?xml-model?>, comments and a doctype, which cannot stand inside <resource>.
_PROLOG = re.compile(rb"\A\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*", re.DOTALL)
_ENCODING = re.compile(rb"""\A<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
# Profiles and schema locations only STU3 (zib2017, gp-data) examples use.
_STU3_MARKERS = (
    b"/STU3/",
    b"fhir.nl/fhir/StructureDefinition/",
    b"StructureDefinition/zib-",
    b"StructureDefinition/gp-",
)
# STU3 writes clinicalStatus and verificationStatus as codes, R4 as CodeableConcepts.
_STU3_STATUS = re.compile(
    rb"""(?:"(?:clinicalStatus|verificationStatus)"\s*:\s*"|<(?:clinicalStatus|verificationStatus)\s+value=)"""
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    kind: str  # "xml" or "json"
    resource_type: str
    id: str
    body: bytes  # the root element as UTF-8 XML text, or the JSON resource
    mtime_ms: int
    stu3: bool
    xml: bytes | None = None  # a JSON file as FHIR XML, for a page in XML; None: cannot be
    xml_error: str = ""  # why a JSON file cannot be written as XML

    @property
    def version(self) -> str:
        return "STU3" if self.stu3 else "R4"

    def as_xml(self) -> bytes | None:
        return self.body if self.kind == "xml" else self.xml


class SourceDir:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[int, int, SourceFile | None]] = {}
        files = self.files()  # also reports unreadable files once, at start
        self.fhir_version = FHIR_STU3 if any(f.stu3 for f in files) else FHIR_R4
        self.patients = sum(1 for f in files if f.resource_type == "Patient")

    @staticmethod
    def kind_of(files: list[SourceFile]) -> str:
        """The format of the page: XML as soon as one file is XML (JSON files are converted),
        JSON when every file is JSON."""
        return "json" if files and all(f.kind == "json" for f in files) else "xml"

    def describe(self) -> str:
        """What the directory serves, for the start-up lines."""
        files = self.files()
        counts: dict[tuple[str, str], int] = {}
        for f in files:
            counts[f.kind, f.version] = counts.get((f.kind, f.version), 0) + 1
        parts = [f"{n} {kind.upper()} {version}" for (kind, version), n in sorted(counts.items())]
        kind = self.kind_of(files)
        line = f"{self.directory}: {len(files)} file(s) ({', '.join(parts) or 'none'}), "
        line += f"served as one FHIR {kind.upper()} Bundle"
        if kind == "xml" and any(f.kind == "json" for f in files):
            line += " (JSON files converted to XML)"
            left_out = [f.name for f in files if f.kind == "json" and f.xml is None]
            if left_out:
                line += f"; left out, not writable as XML: {', '.join(left_out)}"
        return line

    def files(self) -> list[SourceFile]:
        """The directory's FHIR files, by name; those that do not parse are left out."""
        out = []
        for path in sorted(self.directory.iterdir()):
            suffix = path.suffix.lower()
            if suffix not in (".xml", ".json") or not path.is_file():
                continue
            stat = path.stat()
            with self._lock:
                known = self._loaded.get(path.name)
            if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
                loaded = _load(path, stat.st_mtime_ns // 1_000_000)
                with self._lock:
                    self._loaded[path.name] = (stat.st_mtime_ns, stat.st_size, loaded)
            else:
                loaded = known[2]
            if loaded is not None:
                out.append(loaded)
        return out


def _load(path: Path, mtime_ms: int) -> SourceFile | None:
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    stu3 = any(marker in raw for marker in _STU3_MARKERS)
    try:
        if path.suffix.lower() == ".json":
            data = orjson.loads(raw)
            kind, ident, body = data["resourceType"], data.get("id") or path.stem, raw.strip()
            stu3 = stu3 or bool(_STU3_STATUS.search(raw))
            try:
                xml, error = json_to_xml(body), ""
            except ConversionError as exc:
                xml, error = None, str(exc)
            return SourceFile(path.name, "json", kind, ident, body, mtime_ms, stu3, xml, error)
        root = fromstring(raw)
        declared = _ENCODING.match(raw)
        text = raw.decode(declared.group(1).decode() if declared else "utf-8")
        element = _PROLOG.sub(b"", text.encode()).rstrip()
        id_element = root.find(f"{FHIR_NS}id")
        ident = id_element.get("value") if id_element is not None else None
        kind = root.tag.removeprefix(FHIR_NS)
        stu3 = stu3 or bool(_STU3_STATUS.search(raw))
        return SourceFile(path.name, "xml", kind, ident or path.stem, element, mtime_ms, stu3)
    except (
        ParseError,
        DefusedXmlException,
        orjson.JSONDecodeError,
        KeyError,
        TypeError,
        LookupError,
        UnicodeDecodeError,
    ) as exc:
        print(f"simulator: skipping {path}: {exc}", file=sys.stderr, flush=True)
        return None


def xml_bundle(*, base: str, files: list[SourceFile], snapshot: str, self_url: str) -> bytes:
    parts = [
        b'<Bundle xmlns="http://hl7.org/fhir">',
        f'<meta><lastUpdated value="{snapshot}"/></meta>'.encode(),
        b'<type value="searchset"/>',
        f'<total value="{len(files)}"/>'.encode(),
        f'<link><relation value="self"/><url value={quoteattr(self_url)}/></link>'.encode(),
    ]
    for f in files:
        full_url = quoteattr(f"{base}/{f.resource_type}/{f.id}").encode()
        mode = b"match" if f.resource_type == "Patient" else b"include"
        parts += [
            b"<entry><fullUrl value=",
            full_url,
            b"/><resource>",
            f.as_xml(),
            b'</resource><search><mode value="',
            mode,
            b'"/></search></entry>',
        ]
    parts.append(b"</Bundle>")
    return b"".join(parts)


def json_bundle(*, base: str, files: list[SourceFile], snapshot: str, self_url: str) -> bytes:
    head = orjson.dumps(
        {
            "resourceType": "Bundle",
            "meta": {"lastUpdated": snapshot},
            "type": "searchset",
            "total": len(files),
            "link": [{"relation": "self", "url": self_url}],
        }
    )
    if not files:
        return head
    # Fragment: the file's JSON goes out as it is, without a parse and re-serialise.
    entries = orjson.dumps(
        [
            {
                "fullUrl": f"{base}/{f.resource_type}/{f.id}",
                "resource": orjson.Fragment(f.body),
                "search": {"mode": "match" if f.resource_type == "Patient" else "include"},
            }
            for f in files
        ]
    )
    return b"".join((head[:-1], b',"entry":', entries, b"}"))
