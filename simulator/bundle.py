"""JSON searchset pages built from pre-serialised entries, and the paging cursor.

A page is mostly bytes concatenation: each patient's entries are serialised once (see
`cache.py`) and only the Patient's `meta.lastUpdated` is spliced in per page, because it is
the one value that depends on when the patient was touched rather than on its content.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from simulator.resources import Resource

LAST_UPDATED_SLOT = "@@lastUpdated@@"
_SLOT = b'"' + LAST_UPDATED_SLOT.encode() + b'"'


@dataclass(frozen=True, slots=True)
class PatientEntries:
    """One patient's entries, serialised; `head + b'"<instant>"' + tail` is the Patient."""

    head: bytes
    tail: bytes
    includes: bytes  # the other entries, comma-joined; empty when there are none

    @property
    def size(self) -> int:
        return len(self.head) + len(self.tail) + len(self.includes) + 32

    def join(self, last_updated: str) -> bytes:
        patient = b"".join((self.head, b'"', last_updated.encode(), b'"', self.tail))
        return patient + b"," + self.includes if self.includes else patient


def entry(base: str, resource: Resource, mode: str) -> dict:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def entries(base: str, resources: Iterable[Resource], mode: str) -> bytes:
    """Comma-joined entries, without the brackets of the list."""
    return orjson.dumps([entry(base, r, mode) for r in resources])[1:-1]


def patient_entries(
    base: str, resources: list[Resource], replace: dict[bytes, bytes] | None = None
) -> PatientEntries:
    """Serialise a summary whose Patient has `LAST_UPDATED_SLOT` as its lastUpdated.

    `replace` swaps placeholder strings in the Patient for raw JSON (used by the `deep` and
    `oversized` faults, whose content orjson will not or need not build).
    """
    patient = orjson.dumps(entry(base, resources[0], "match"))
    for slot, raw in (replace or {}).items():
        patient = patient.replace(slot, raw)
    head, tail = patient.split(_SLOT, 1)
    return PatientEntries(head, tail, entries(base, resources[1:], "include"))


def searchset(
    *, snapshot: str, total: int, self_url: str, next_url: str | None, parts: list[bytes]
) -> bytes:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    head = orjson.dumps(
        {
            "resourceType": "Bundle",
            "meta": {"lastUpdated": snapshot},
            "type": "searchset",
            "total": total,
            "link": links,
        }
    )
    if not parts:
        return head
    return b"".join((head[:-1], b',"entry":[', b",".join(parts), b"]}"))


def operation_outcome(code: str, message: str, severity: str = "error") -> bytes:
    return orjson.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": message}],
        }
    )


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: the snapshot instant and a position in the change log.

    The log is append-only, so (snapshot, position) names the same remaining patients however
    many touches happen while a client pages; `total` and `emitted` save a recount.
    """

    snapshot_ms: int
    position: int
    total: int
    emitted: int

    def encode(self) -> str:
        raw = f"1.{self.snapshot_ms}.{self.position}.{self.total}.{self.emitted}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            version, *numbers = raw.split(".")
            snapshot_ms, position, total, emitted = (int(n) for n in numbers)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ValueError("_cursor is not one this server issued") from None
        if version != "1" or min(snapshot_ms, position, total, emitted) < 0:
            raise ValueError("_cursor is not one this server issued")
        return cls(snapshot_ms, position, total, emitted)
