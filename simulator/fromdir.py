"""A practice whose data are FHIR files in a directory (e.g. the Nictiz examples).

XML files are served as one FHIR XML searchset Bundle, composed as text so every file goes
out exactly as published; JSON files as a JSON Bundle. The directory is re-read on each
search (cheaply: files are re-parsed only when their size or mtime changed), so that
`_lastUpdated` can follow the files' modification times.
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


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    kind: str  # "xml" or "json"
    resource_type: str
    id: str
    body: bytes  # the root element as UTF-8 XML text, or the JSON resource
    mtime_ms: int
    stu3: bool


class SourceDir:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[int, int, SourceFile | None]] = {}
        files = self.files()  # also reports unreadable files once, at start
        self.kind = "xml" if any(f.kind == "xml" for f in files) or not files else "json"
        self.fhir_version = FHIR_STU3 if any(f.stu3 for f in files) else FHIR_R4
        self.patients = sum(1 for f in files if f.resource_type == "Patient")

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
            return SourceFile(path.name, "json", kind, ident, body, mtime_ms, stu3)
        root = fromstring(raw)
        declared = _ENCODING.match(raw)
        text = raw.decode(declared.group(1).decode() if declared else "utf-8")
        element = _PROLOG.sub(b"", text.encode()).rstrip()
        id_element = root.find(f"{FHIR_NS}id")
        ident = id_element.get("value") if id_element is not None else None
        kind = root.tag.removeprefix(FHIR_NS)
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
            f.body,
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
