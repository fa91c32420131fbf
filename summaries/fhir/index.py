"""Finding the resources on a page by reference: Type/id, full URL or BSN; and their JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from summaries.fhir import read
from summaries.fhir.decode import inspect
from summaries.fhir.model import GpInfo
from summaries.fhir.nul import ESCAPED_NUL, path_to_nul
from summaries.fhir.sections import key_of

if TYPE_CHECKING:
    from summaries.fhir.entries import Entry


class PageIndex:
    """Find resources on the page by reference: Type/id, full URL, or BSN; and their JSON."""

    def __init__(self, entries: list[Entry], *, may_hold_nul: bool = True) -> None:
        """may_hold_nul=False: the page is known to hold no U+0000 (its JSON text has no
        "\\u0000"), and its resources are not looked through for one."""
        self.by_key: dict[str, dict] = {}
        self.by_url: dict[str, dict] = {}
        self.patient_by_bsn: dict[str, str] = {}
        self._keys: dict[int, str] = {}
        self._json: dict[int, bytes | None] = {}
        self.gp_infos: dict[tuple[str, str], GpInfo] = {}  # by "Type/id" of GP and practice
        # "Type/id.field" of the first U+0000 in each resource that holds one, by id().
        self.nul_at: dict[int, str] = {}
        for entry in entries:
            resource, key = entry.resource, entry.key
            self._keys[id(resource)] = key
            # Each resource is written once; a summary's source is these parts joined.
            try:
                text = self._json[id(resource)] = orjson.dumps(resource)
            except orjson.JSONEncodeError:
                # Deeper than orjson goes: the source is written as a whole, and fails.
                text = self._json[id(resource)] = None
            if may_hold_nul and (text is None or ESCAPED_NUL in text):  # then walked to be sure
                if (path := path_to_nul(resource, "")) is not None:
                    self.nul_at[id(resource)] = f"{key}.{path}"
            self.by_key.setdefault(key, resource)
            if entry.full_url:
                self.by_url.setdefault(entry.full_url, resource)
            if resource["resourceType"] == "Patient":
                bsn = read.identifier_value(resource, read.BSN_SYSTEMS)
                if bsn:
                    self.patient_by_bsn.setdefault(bsn, key)

    def key(self, reference: Any) -> str | None:
        if type(reference) is not dict:
            reference = read.first(reference)
            if not isinstance(reference, dict):
                return None
        literal = reference.get("reference")
        if type(literal) is str and literal.count("/") == 1 and literal not in self.by_url:
            return literal  # the common case: a literal Type/id reference
        literal = read.text_of(literal)
        if literal:
            if literal in self.by_url:
                return key_of(self.by_url[literal])
            parts = literal.rstrip("/").split("/")
            return "/".join(parts[-2:]) if len(parts) >= 2 else literal
        identifier = read.first(reference.get("identifier"))
        if isinstance(identifier, dict) and read.in_systems(
            identifier.get("system"), read.BSN_SYSTEMS
        ):
            bsn = read.text_of(identifier.get("value"))
            return self.patient_by_bsn.get(bsn, f"bsn:{bsn}")
        return None

    def key_of(self, resource: dict) -> str:
        """ "Type/id" of a resource on this page, computed once."""
        return self._keys.get(id(resource)) or key_of(resource)

    def keys_of(self, *groups: list[dict]) -> tuple[str, ...]:
        return tuple(self.key_of(resource) for group in groups for resource in group)

    def resolve(self, reference: Any) -> dict | None:
        key = self.key(reference)
        return self.by_key.get(key) if key else None

    def json_of(self, resource: dict) -> bytes | None:
        return self._json.get(id(resource))

    def json_array(self, resources: list[dict]) -> bytes:
        """The same bytes as orjson.dumps(resources), from each resource's JSON."""
        parts = [self._json.get(id(resource)) for resource in resources]
        if any(part is None for part in parts):
            return orjson.dumps(resources)
        return b"[" + b",".join(parts) + b"]"  # type: ignore[arg-type]


class References:
    """The references in each resource on the page, walked for when first asked."""

    def __init__(self, index: PageIndex, walked: dict[str, list[Any]], max_depth: int) -> None:
        self._index = index
        self._found = walked
        self._max_depth = max_depth

    def of(self, resource: dict) -> list[Any]:
        key = self._index.key_of(resource)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = inspect(resource, self._max_depth)[1]
        return found


def escaped(text: str) -> bytes:
    """Text as it reads inside a JSON string."""
    return orjson.dumps(text)[1:-1]
