"""Faults a practice can be told to show, for the pipeline's error handling tests."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from simulator.identifiers import invalid_bsn
from simulator.resources import NAMING, XHTML, Resource

INVALID_KINDS = (
    "resource_type",
    "missing_bsn",
    "invalid_bsn",
    "deep",
    "oversized",
    "nul_character",
)
DEFAULT_TIMEOUT_S = 60.0
DEEP_LEVELS = 200
OVERSIZED_BYTES = 20 * 1024 * 1024
_DEEP_SLOT = "@@deep@@"
_BIG_SLOT = "@@oversized@@"
_NESTED = "https://spoedinzage.nl/fhir/StructureDefinition/simulator-nested"


@dataclass(slots=True)
class Faults:
    latency_ms: float = 0.0
    status: int | None = None
    timeout_s: float = 0.0
    truncate: bool = False
    invalid: str | None = None
    wrong_token: bool = False
    retry_after: int | str | None = None  # Retry-After with `status`: seconds or HTTP-date
    chunked: bool = False  # send the page without Content-Length, in chunks
    times: int | None = None  # None: every request

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v not in (None, False, 0, 0.0)}
        if "timeout_s" in out:
            out["timeout"] = out.pop("timeout_s")
        if self.times is not None:
            out["times"] = self.times
        return out


def parse_faults(data: object) -> Faults:
    """Faults from the admin JSON; ValueError names the field that is wrong."""
    if not isinstance(data, dict):
        raise ValueError("faults must be a JSON object")
    unknown = set(data) - {
        "latency_ms",
        "status",
        "timeout",
        "truncate",
        "invalid",
        "wrong_token",
        "retry_after",
        "chunked",
        "times",
    }
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    faults = Faults()
    if "latency_ms" in data:
        faults.latency_ms = _number(data, "latency_ms")
    if data.get("status") is not None:
        status = data["status"]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        faults.status = status
    timeout = data.get("timeout", False)
    # `true` holds the request for 60 s; a number holds it that many seconds (tests).
    if timeout is True:
        faults.timeout_s = DEFAULT_TIMEOUT_S
    elif timeout is not False:
        faults.timeout_s = _number(data, "timeout")
    faults.truncate = _flag(data, "truncate")
    faults.wrong_token = _flag(data, "wrong_token")
    faults.chunked = _flag(data, "chunked")
    if data.get("retry_after") is not None:
        retry_after = data["retry_after"]
        if isinstance(retry_after, str) and retry_after.strip() and retry_after.isprintable():
            faults.retry_after = retry_after.strip()  # an HTTP-date, sent as given
        elif (
            isinstance(retry_after, int) and not isinstance(retry_after, bool) and retry_after >= 0
        ):
            faults.retry_after = retry_after
        else:
            raise ValueError("retry_after must be seconds (an integer >= 0) or an HTTP-date")
        if faults.status is None:
            raise ValueError("retry_after goes with a status (429 or 503)")
    if data.get("invalid") is not None:
        if data["invalid"] not in INVALID_KINDS:
            raise ValueError(f"invalid must be one of {', '.join(INVALID_KINDS)}")
        faults.invalid = data["invalid"]
    if data.get("times") is not None:
        times = data["times"]
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a positive integer")
        faults.times = times
    return faults


def _number(data: dict, key: str) -> float:
    value = data[key]
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return float(value)


def _flag(data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


class FaultBox:
    """A practice's current faults; `take` counts `times` down once per FHIR request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: Faults | None = None

    def set(self, faults: Faults | None) -> None:
        with self._lock:
            self._faults = faults

    def current(self) -> dict[str, Any]:
        with self._lock:
            return self._faults.as_json() if self._faults else {}

    def take(self) -> Faults | None:
        """The faults to apply to this request, if any."""
        with self._lock:
            faults = self._faults
            if faults is None or faults.times is None:
                return faults
            faults.times -= 1
            if faults.times <= 0:
                self._faults = None  # used up: the practice answers normally again
            return replace(faults)


def make_invalid(kind: str, resources: list[Resource]) -> dict[bytes, bytes]:
    """Spoil the Patient (resources[0]) in place; returns raw JSON to splice in for slots."""
    patient = resources[0]
    if kind == "resource_type":
        patient["resourceType"] = "Patiënt"
    elif kind == "missing_bsn":
        kept = [i for i in patient.get("identifier", []) if i.get("system") != NAMING + "bsn"]
        if kept:
            patient["identifier"] = kept
        else:
            patient.pop("identifier", None)
    elif kind == "invalid_bsn":
        for identifier in patient.get("identifier", []):
            if identifier.get("system") == NAMING + "bsn":
                identifier["value"] = invalid_bsn(identifier["value"])
    elif kind == "deep":
        # orjson refuses to nest this deep, which is the point: splice the JSON in as text.
        patient["extension"] = [_DEEP_SLOT]
        return {f'"{_DEEP_SLOT}"'.encode(): _deep_json()}
    elif kind == "nul_character":
        # U+0000 in a name: valid JSON ("\\u0000"), but no database text or JSONB may hold it.
        names = patient.get("name") or [{}]
        names[0]["family"] = f"{names[0].get('family', '')}\x00"
        patient["name"] = names
    elif kind == "oversized":
        patient["text"] = {"status": "generated", "div": _BIG_SLOT}
        return {f'"{_BIG_SLOT}"'.encode(): _oversized_div()}
    return {}


@cache
def _deep_json() -> bytes:
    """200 extensions, each nested in the one before it."""
    opening = b'{"url":"' + _NESTED.encode() + b'","extension":['
    bottom = b'{"url":"' + _NESTED.encode() + b'","valueString":"bodem"}'
    return opening * (DEEP_LEVELS - 1) + bottom + b"]}" * (DEEP_LEVELS - 1)


@cache
def _oversized_div() -> bytes:
    sentence = b"Deze verslaglegging is opzettelijk veel te groot. "
    opening, closing = f'"<div xmlns=\\"{XHTML}\\"><p>'.encode(), b'</p></div>"'
    body = sentence * ((OVERSIZED_BYTES - len(opening) - len(closing)) // len(sentence) + 1)
    return opening + body + closing
