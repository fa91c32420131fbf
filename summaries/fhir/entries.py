"""The page's entries: nested Bundles flattened, and each resource checked before it is read
(a known resource type, nested within SUMMARY_MAX_DEPTH, on the page once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summaries.fhir import read
from summaries.fhir.decode import inspect, surely_within_depth
from summaries.fhir.duplicates import one_of_two
from summaries.fhir.model import Limits
from summaries.fhir.quarantined import Quarantine, dump, resource_quarantined
from summaries.fhir.resource_types import RESOURCE_TYPES


@dataclass(slots=True)
class Entry:
    resource: dict
    full_url: str
    prefix: str  # "" or "entry[3].resource.", the bundles around it
    number: int  # its place in the innermost bundle
    key: str = ""  # "Type/id", once its resource type is known to be one

    @property
    def position(self) -> str:
        """ "entry[3]" or "entry[3].resource.entry[0]", for reasons that point to it."""
        return f"{self.prefix}entry[{self.number}]"


def flatten(bundle: dict, prefix: str = "") -> list[Entry]:
    out = []
    for i, entry in enumerate(read.as_list(bundle.get("entry"))):
        resource = entry.get("resource") if type(entry) is dict else None
        if type(resource) is not dict:
            continue
        if resource.get("resourceType") == "Bundle":
            out.extend(flatten(resource, f"{prefix}entry[{i}].resource."))
        else:
            url = entry.get("fullUrl")
            full_url = url.strip() if type(url) is str else read.text_of(url)
            if not resource.get("id") and full_url:
                # Transaction and batch bundles may leave ids out and name
                # resources by fullUrl (urn:uuid:…, urn:oid:…): known by its last part.
                resource["id"] = full_url.rstrip("/").replace(":", "/").rsplit("/", 1)[-1][:64]
            out.append(Entry(resource, full_url, prefix, i))
    return out


def next_url(bundle: dict) -> str | None:
    for link in read.as_list(bundle.get("link")):
        if isinstance(link, dict) and link.get("relation") == "next":
            return read.text_of(link.get("url")) or None
    return None


def fhir_version(entries: list[Entry]) -> str:
    """STU3 writes clinicalStatus as a code and profiles under fhir.nl / zib-*."""
    seen: set[str] = set()  # a page has few distinct profiles: each is looked into once
    for entry in entries:
        resource = entry.resource
        if type(resource.get("clinicalStatus")) is str:
            return "STU3"
        found = read.member(resource.get("meta"), "profile")
        if not found:
            continue
        if type(found) is list and len(found) == 1 and type(found[0]) is str:
            profiles = found[0]  # the common case: one profile
            if profiles in seen:
                continue
            seen.add(profiles)
        else:
            profiles = read.profiles(resource)
        if (
            "/zib-" in profiles
            or "/gp-" in profiles
            or "fhir.nl/fhir/StructureDefinition" in profiles
        ):
            return "STU3"
    return "R4"


def checked(
    flattened: list[Entry],
    limits: Limits,
    quarantine: list[Quarantine],
    asides: list[tuple[Quarantine, dict]],
) -> tuple[list[Entry], dict[str, list[Any]]]:
    """Entries of a known resource type and nested within the limit, each resource once.

    Also the references of the resources that had to be walked for their depth.
    """
    within_depth = surely_within_depth([e.resource for e in flattened], limits.max_depth)
    entries: list[Entry] = []
    references: dict[str, list[Any]] = {}
    seen: dict[str, int] = {}  # "Type/id" -> its place in entries
    for entry in flattened:
        resource = entry.resource
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or kind not in RESOURCE_TYPES:
            quarantine.append(
                Quarantine(
                    reason=f"{entry.position}.resource.resourceType: {kind!r} is not a FHIR "
                    "resource type",
                    resource_type=str(kind)[:64],
                    resource_id=read.text_of(resource.get("id"))[:64],
                    payload=dump([resource]),
                )
            )
            continue
        key = f"{kind}/{resource.get('id', '?')}"  # key_of, with the type known
        if not within_depth:
            depth, refs = inspect(resource, limits.max_depth)
            if depth > limits.max_depth:
                why = f"{key}: nested more than {limits.max_depth} levels deep (SUMMARY_MAX_DEPTH)"
                quarantine.append(resource_quarantined(why, resource, key))
                continue
            references.setdefault(key, refs)
        entry.key = key
        if key in seen:
            # The same resource twice on one page: one is read, and the other is accounted for.
            kept = one_of_two(entries[seen[key]], entry, quarantine, asides)
            if kept is entry:
                entries[seen[key]] = entry
                if not within_depth:
                    references[key] = refs
            continue
        seen[key] = len(entries)
        entries.append(entry)
    return entries, references
