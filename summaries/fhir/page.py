"""One page of a practice's answer in, summaries and quarantine items out."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from audit.identifiers import bsn_is_valid
from summaries.fhir import read
from summaries.fhir.build import build_summary
from summaries.fhir.model import GpInfo, Limits, PatientSummary
from summaries.fhir.resource_types import RESOURCE_TYPES
from summaries.fhir.sections import FieldError, key_of
from summaries.fhir.xml import FhirXmlError, resource_from_xml

logger = logging.getLogger(__name__)


class PageError(ValueError):
    """The page as a whole cannot be read; nothing on it is usable."""


@dataclass
class Quarantine:
    reason: str
    resource_type: str = ""
    resource_id: str = ""
    patient_bsn: str = ""
    payload: bytes = b""
    keys: tuple[str, ...] = ()


@dataclass
class PageResult:
    summaries: list[PatientSummary] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    snapshot: dt.datetime | None = None
    next_url: str | None = None
    total: int | None = None
    fhir_version: str = "R4"


# Resources that describe people and places rather than a patient: they
# join a summary when one of its resources (or the Patient) refers to them.
SHARED_TYPES = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Medication",
        "Location",
        "Substance",
        "HealthcareService",
        "Endpoint",
        "Group",
        "Device",
    }
)
PATIENT_FIELDS = ("subject", "patient", "beneficiary")


def decode(data: bytes, limits: Limits) -> dict[str, Any]:
    if len(data) > limits.max_page_bytes:
        raise PageError(
            f"page is {len(data):,} bytes; the limit is {limits.max_page_bytes:,} "
            "(SUMMARY_MAX_PAGE_BYTES)"
        )
    head = data.lstrip()[:1]
    if head == b"<":
        try:
            root = resource_from_xml(data)
        except FhirXmlError as exc:
            raise PageError(f"invalid FHIR XML: {exc}") from exc
        except RecursionError as exc:
            raise PageError(
                f"FHIR XML nested more than {limits.max_depth} levels deep (SUMMARY_MAX_DEPTH)"
            ) from exc
    else:
        try:
            root = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise PageError(f"invalid JSON: {exc}") from exc
    if not isinstance(root, dict) or root.get("resourceType") != "Bundle":
        found = root.get("resourceType") if isinstance(root, dict) else type(root).__name__
        raise PageError(f"expected a FHIR Bundle, got resourceType {found!r}")
    return root


def inspect(value: Any, limit: int) -> tuple[int, list[Any]]:
    """Nesting depth of a resource and the references in it, in one walk.

    Level by level, so a hostile payload costs no more than a legal one: the
    walk stops as soon as the depth passes the limit.
    """
    level, depth, references = [value], 1, []
    while True:
        deeper = []
        for node in level:
            if type(node) is dict:
                if "reference" in node or ("identifier" in node and depth >= 2):
                    references.append(node)
                children = node.values()
            else:
                children = node
            for child in children:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
        if not deeper:
            return depth, references
        depth += 1
        if depth > limit:
            return depth, references
        level = deeper


def _nested(levels: int, container: type) -> list | dict:
    value: list | dict = container()
    for _ in range(levels - 1):
        value = [value] if container is list else {"x": value}
    return value


def _serialises(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def _orjson_max_nesting() -> int:
    """How many levels of containers orjson serialises (its own fixed limit, 254 in 3.x),
    confirmed for lists and for objects; 0 when there is no such wall below 1,024 levels
    (another orjson): then the one-pass depth check is never used and every resource is walked."""
    low, high = 1, 1024
    while low < high:
        middle = (low + high + 1) // 2
        if _serialises(_nested(middle, list)):
            low = middle
        else:
            high = middle - 1
    confirmed = all(
        _serialises(_nested(low, kind)) and not _serialises(_nested(low + 1, kind))
        for kind in (list, dict)
    )
    return low if confirmed and low < 1024 else 0


ORJSON_MAX_NESTING = _orjson_max_nesting()


def surely_within_depth(resources: list[dict], limit: int) -> bool:
    """True when no resource nests deeper than limit, in one C-speed pass.

    Walking every container in Python costs as much as decoding the page. orjson
    refuses to go deeper than ORJSON_MAX_NESTING; wrapped in just enough lists,
    the resources hit that wall exactly when one of them is deeper than limit.
    False means "not sure" (a limit beyond orjson's, or a resource deeper than it):
    then each resource is walked.
    """
    padding = ORJSON_MAX_NESTING - 1 - limit
    if padding < 0:
        return False
    wrapped: list = resources
    for _ in range(padding):
        wrapped = [wrapped]
    try:
        orjson.dumps(wrapped)
    except orjson.JSONEncodeError:
        return False
    return True


@dataclass(slots=True)
class _Entry:
    resource: dict
    full_url: str
    prefix: str  # "" or "entry[3].resource.", the bundles around it
    number: int  # its place in the innermost bundle
    key: str = ""  # "Type/id", once its resource type is known to be one

    @property
    def position(self) -> str:
        """ "entry[3]" or "entry[3].resource.entry[0]", for reasons that point to it."""
        return f"{self.prefix}entry[{self.number}]"


def _flatten(bundle: dict, prefix: str = "") -> list[_Entry]:
    out = []
    for i, entry in enumerate(read.as_list(bundle.get("entry"))):
        resource = entry.get("resource") if type(entry) is dict else None
        if type(resource) is not dict:
            continue
        if resource.get("resourceType") == "Bundle":
            out.extend(_flatten(resource, f"{prefix}entry[{i}].resource."))
        else:
            url = entry.get("fullUrl")
            full_url = url.strip() if type(url) is str else read.text_of(url)
            if not resource.get("id") and full_url:
                # Transaction and batch bundles may leave ids out and name
                # resources by fullUrl (urn:uuid:…, urn:oid:…): known by its last part.
                resource["id"] = full_url.rstrip("/").replace(":", "/").rsplit("/", 1)[-1][:64]
            out.append(_Entry(resource, full_url, prefix, i))
    return out


def _next_url(bundle: dict) -> str | None:
    for link in read.as_list(bundle.get("link")):
        if isinstance(link, dict) and link.get("relation") == "next":
            return read.text_of(link.get("url")) or None
    return None


def _parse_instant(value: Any) -> dt.datetime | None:
    text = read.text_of(value)
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _fhir_version(entries: list[_Entry]) -> str:
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


# Quarantined payloads are cut off this deep: deeper than any legal resource (the depth
# limit is lower, see SUMMARY_MAX_DEPTH), shallow enough for orjson and for recursion.
QUARANTINE_DUMP_DEPTH = 200


def _dump(resources: list[dict]) -> bytes:
    """Resources as JSON for the quarantine: whole, or — nested too deep for a serialiser —
    with what lies deeper than QUARANTINE_DUMP_DEPTH replaced by a marker."""
    try:
        return orjson.dumps(resources)
    except orjson.JSONEncodeError:
        return orjson.dumps(_cut(resources, QUARANTINE_DUMP_DEPTH), default=repr)


def _cut(value: Any, levels: int) -> Any:
    if type(value) is dict:
        if levels <= 0:
            return "… (nested deeper; cut off in quarantine)"
        return {str(k): _cut(v, levels - 1) for k, v in value.items()}
    if type(value) is list:
        if levels <= 0:
            return "… (nested deeper; cut off in quarantine)"
        return [_cut(v, levels - 1) for v in value]
    return value


class _Index:
    """Find resources on the page by reference: Type/id, full URL, or BSN; and their JSON."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.by_key: dict[str, dict] = {}
        self.by_url: dict[str, dict] = {}
        self.patient_by_bsn: dict[str, str] = {}
        self._keys: dict[int, str] = {}
        self._json: dict[int, bytes | None] = {}
        self.gp_infos: dict[tuple[str, str], GpInfo] = {}  # by "Type/id" of GP and practice
        for entry in entries:
            resource, key = entry.resource, entry.key
            self._keys[id(resource)] = key
            # Each resource is written once; a summary's source is these parts joined.
            try:
                self._json[id(resource)] = orjson.dumps(resource)
            except orjson.JSONEncodeError:
                # Deeper than orjson goes: the source is written as a whole, and fails.
                self._json[id(resource)] = None
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


class _References:
    """The references in each resource on the page, walked for when first asked."""

    def __init__(self, index: _Index, walked: dict[str, list[Any]], max_depth: int) -> None:
        self._index = index
        self._found = walked
        self._max_depth = max_depth

    def of(self, resource: dict) -> list[Any]:
        key = self._index.key_of(resource)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = inspect(resource, self._max_depth)[1]
        return found


def _escaped(text: str) -> bytes:
    return orjson.dumps(text)[1:-1]


def _needles(unassigned: dict[str, dict], index: _Index) -> dict[str, list[bytes]] | None:
    """Text that a resource's JSON must hold to refer to each of these resources.

    A reference that finds one names its id, or its entry's full URL. Only a
    number or boolean "reference" could match a full URL without "/" or ":";
    with such a URL on the page there is no telling (None).
    """
    needles = {key: [_escaped(key.partition("/")[2])] for key in unassigned}
    for url, resource in index.by_url.items():
        key = index.key_of(resource)
        if key in needles:
            if "/" not in url and ":" not in url:
                return None
            if needles[key][0] not in _escaped(url):  # a URL with the id in it adds nothing
                needles[key].append(_escaped(url))
    return needles


def _checked(
    flattened: list[_Entry],
    limits: Limits,
    result: PageResult,
    asides: list[tuple[Quarantine, dict]],
) -> tuple[list[_Entry], dict[str, list[Any]]]:
    """Entries of a known resource type and nested within the limit, each resource once.

    Also the references of the resources that had to be walked for their depth.
    """
    within_depth = surely_within_depth([e.resource for e in flattened], limits.max_depth)
    entries: list[_Entry] = []
    references: dict[str, list[Any]] = {}
    seen: dict[str, int] = {}  # "Type/id" -> its place in entries
    for entry in flattened:
        resource = entry.resource
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or kind not in RESOURCE_TYPES:
            result.quarantine.append(
                Quarantine(
                    reason=f"{entry.position}.resource.resourceType: {kind!r} is not a FHIR "
                    "resource type",
                    resource_type=str(kind)[:64],
                    resource_id=read.text_of(resource.get("id"))[:64],
                    payload=_dump([resource]),
                )
            )
            continue
        key = f"{kind}/{resource.get('id', '?')}"  # key_of, with the type known
        if not within_depth:
            depth, refs = inspect(resource, limits.max_depth)
            if depth > limits.max_depth:
                result.quarantine.append(
                    Quarantine(
                        reason=f"{key}: nested more than {limits.max_depth} levels deep "
                        "(SUMMARY_MAX_DEPTH)",
                        resource_type=kind,
                        resource_id=read.text_of(resource.get("id"))[:64],
                        payload=_dump([resource]),
                        keys=(key,),
                    )
                )
                continue
            references.setdefault(key, refs)
        entry.key = key
        if key in seen:
            # The same resource twice on one page: one is read, and the other is accounted for.
            kept = _one_of_two(entries[seen[key]], entry, result, asides)
            if kept is entry:
                entries[seen[key]] = entry
                if not within_depth:
                    references[key] = refs
            continue
        seen[key] = len(entries)
        entries.append(entry)
    return entries, references


def _one_of_two(
    first: _Entry, second: _Entry, result: PageResult, asides: list[tuple[Quarantine, dict]]
) -> _Entry:
    """Of two resources with one type and id on a page, the one to read: the newer by
    meta.lastUpdated, the older set aside in the quarantine. An identical copy is read once
    (nothing of it is lost). Two different ones that cannot be ordered: the first is read
    and the other set aside as a conflict, for the administrator to decide."""
    key = first.key
    old_text, new_text = _dump([first.resource]), _dump([second.resource])
    if old_text == new_text:
        logger.info(
            "%s: twice on this page (%s, %s), identical; read once",
            key,
            first.position,
            second.position,
        )
        return first
    old_at = _parse_instant(read.member(first.resource.get("meta"), "lastUpdated"))
    new_at = _parse_instant(read.member(second.resource.get("meta"), "lastUpdated"))
    try:
        ordered = old_at is not None and new_at is not None and old_at != new_at
        newer_second = ordered and new_at > old_at  # type: ignore[operator]
    except TypeError:  # one with a time zone, one without: no order
        ordered = newer_second = False
    if ordered:
        kept, aside = (second, first) if newer_second else (first, second)
        aside_at = read.text_of(read.member(aside.resource.get("meta"), "lastUpdated"))
        kept_at = read.text_of(read.member(kept.resource.get("meta"), "lastUpdated"))
        # The reason holds no entry positions: they move as the practice's data changes, and
        # the same duplicate pulled again must give the same reason (one open item for it).
        reason = (
            f"{key}: duplicate on this page; the newer one (meta.lastUpdated {kept_at}) was "
            f"read, the older one ({aside_at}) was set aside"
        )
    else:
        kept, aside = first, second
        reason = (
            f"{key}: conflict on this page: two versions differ and meta.lastUpdated does not "
            "tell which is newer; the first was read, the other was set aside"
        )
    logger.warning("%s (%s and %s)", reason, first.position, second.position)
    item = Quarantine(
        reason=reason,
        resource_type=key.partition("/")[0],
        resource_id=read.text_of(aside.resource.get("id"))[:64],
        payload=old_text if aside is first else new_text,
        # Not the key: the one read stands for it wherever it ends up.
    )
    result.quarantine.append(item)
    asides.append((item, aside.resource))
    return kept


def _owner(resource: dict, index: _Index) -> str | None:
    """The patient a resource is about, by its first filled subject/patient/beneficiary."""
    for name in PATIENT_FIELDS:
        value = resource.get(name)
        if value:
            return index.key(value)
    return None


def _group(entries: list[_Entry], index: _Index) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """Resources per patient, and those without a patient of their own."""
    groups: dict[str, list[dict]] = defaultdict(list)
    unassigned: dict[str, dict] = {}
    for entry in entries:
        resource = entry.resource
        if resource["resourceType"] == "Patient":
            groups.setdefault(entry.key, [])
            continue
        owner = _owner(resource, index)
        if owner:
            groups[owner].append(resource)
        else:
            unassigned[entry.key] = resource
    return groups, unassigned


def _join_shared(
    groups: dict[str, list[dict]],
    unassigned: dict[str, dict],
    index: _Index,
    references: _References,
) -> dict[str, set[str]]:
    """Resources without a patient of their own (a SOEP line, a medicinal product,
    the GP) join every group whose resources refer to them. Returns the groups
    that each one joined."""
    used: dict[str, set[str]] = defaultdict(set)
    if not unassigned:
        return used
    needles = _needles(unassigned, index)
    for owner, members in groups.items():
        patient = index.by_key.get(owner)
        queue = list(members) + ([patient] if patient else [])
        # Not joined yet (a member's own key is never among them: it has a patient).
        unseen = dict.fromkeys(unassigned)
        signs = _signs(unseen, needles)
        while queue and unseen:  # once all have joined, nothing more can
            current = queue.pop()
            text = index.json_of(current)
            if signs is not None and text is not None and not any(map(text.__contains__, signs)):
                continue  # its JSON names none of them: no reference in it can
            for reference in references.of(current):
                target_key = index.key(reference)
                if target_key in unseen:
                    del unseen[target_key]
                    used[target_key].add(owner)
                    members.append(unassigned[target_key])
                    queue.append(unassigned[target_key])
                    signs = _signs(unseen, needles)
    return used


def _signs(keys: Iterable[str], needles: dict[str, list[bytes]] | None) -> list[bytes] | None:
    """The text a resource's JSON must hold to refer to any of these keys (None: unknown)."""
    if needles is None:
        return None
    return [needle for key in keys for needle in needles[key]]


def parse_page(data: bytes, *, now: dt.datetime, limits: Limits | None = None) -> PageResult:
    """Read one page; raise PageError when the page as a whole is unusable."""
    limits = limits or Limits()
    bundle = decode(data, limits)
    result = PageResult(
        snapshot=_parse_instant(read.member(bundle.get("meta"), "lastUpdated")),
        next_url=_next_url(bundle),
        total=bundle.get("total") if isinstance(bundle.get("total"), int) else None,
    )
    asides: list[tuple[Quarantine, dict]] = []
    entries, walked = _checked(_flatten(bundle), limits, result, asides)
    result.fhir_version = _fhir_version(entries)
    index = _Index(entries)
    for item, resource in asides:
        # Whose it is, so that a refusal leaves it out and a purge empties it too.
        item.patient_bsn = _bsn_of_owner(resource, index)
    references = _References(index, walked, limits.max_depth)
    groups, unassigned = _group(entries, index)
    used = _join_shared(groups, unassigned, index, references)
    # A PractitionerRole that ties a group's GP to its practice belongs with them,
    # even when nothing refers to the role itself.
    for key, resource in unassigned.items():
        if key in used or resource["resourceType"] not in SHARED_TYPES:
            continue
        owners = set().union(
            *(used.get(index.key(r) or "", set()) for r in references.of(resource))
        )
        for owner in owners:
            groups[owner].append(resource)
            used[key].add(owner)

    for key, resource in unassigned.items():
        if key in used:
            continue
        kind = resource["resourceType"]
        why = (
            "not referred to by any patient's resources on this page"
            if kind in SHARED_TYPES
            else f"{'/'.join(PATIENT_FIELDS)}: missing; cannot tell which patient this is about"
        )
        result.quarantine.append(
            Quarantine(
                reason=f"{key}: {why}",
                resource_type=kind,
                resource_id=read.text_of(resource.get("id"))[:64],
                payload=_dump([resource]),
                keys=(key,),
            )
        )

    accepted: dict[str, PatientSummary] = {}  # by BSN, in page order
    seen: dict[str, PatientSummary] = {}  # BSN -> the first Patient's, built
    for owner, members in groups.items():
        patient = index.by_key.get(owner)
        if patient is None:
            result.quarantine.append(
                Quarantine(
                    reason=_no_such_patient(owner, members, index),
                    resource_type="Patient",
                    resource_id=owner.split("/")[-1][:64],
                    # Only a valid BSN: this one is the referring resource's, unchecked.
                    patient_bsn=_valid_bsn_or_blank(owner[4:]) if owner.startswith("bsn:") else "",
                    payload=_dump(members),
                    keys=index.keys_of([], members),
                )
            )
            continue
        try:
            built = build_summary(
                patient, members, index, now=now, limits=limits, fhir_version=result.fhir_version
            )
        except FieldError as exc:  # the patient's identity: no BSN, no birth date
            result.quarantine.append(
                _patient_quarantined(
                    str(exc),
                    patient,
                    members,
                    index,
                    _plain_bsn(patient),
                    _dump([patient, *members]),
                )
            )
            continue
        if built.bsn in seen:
            first, born = index.key_of(seen[built.bsn].source[0]), seen[built.bsn].birth_date
            if born == built.birth_date:
                why = f"{owner}: BSN {built.bsn} belongs to another Patient on this page too"
            else:
                # Two people, or one with a wrong birth date: whose record is this? Neither
                # is shown; the administrator sorts it out with the practice.
                why = (
                    f"{owner}: BSN {built.bsn} also belongs to {first} on this page, born "
                    f"{born.isoformat()}; this one is born {built.birth_date.isoformat()}: "
                    "identity in doubt"
                )
                if (earlier := accepted.pop(built.bsn, None)) is not None:
                    result.quarantine.append(
                        _summary_quarantined(
                            f"{first}: BSN {built.bsn} also belongs to {owner} on this page, born "
                            f"{built.birth_date.isoformat()}; this one is born "
                            f"{born.isoformat()}: identity in doubt",
                            earlier,
                            index,
                        )
                    )
            result.quarantine.append(_summary_quarantined(why, built, index))
            continue
        seen[built.bsn] = built
        why = _held_back(built, owner, index, limits)
        if why:
            result.quarantine.append(_summary_quarantined(why, built, index))
            continue
        accepted[built.bsn] = built
    result.summaries.extend(accepted.values())
    for built in result.summaries:
        if built.unreadable:
            result.quarantine.extend(
                _item_quarantined(resource, reason, built.bsn, index)
                for resource, reason in built.unreadable
            )
    return result


def _summary_quarantined(why: str, built: PatientSummary, index: _Index) -> Quarantine:
    patient, *members = built.source
    return _patient_quarantined(why, patient, members, index, built.bsn, built.source_bytes)


def _item_quarantined(resource: dict, reason: str, bsn: str, index: _Index) -> Quarantine:
    """One item of a summary that could not be read: the summary is shown without it (and
    says so), and the item waits here. Only the item is kept: reprocessed on its own it
    cannot replace the patient's summary with a summary of one item."""
    return Quarantine(
        reason=f"{reason} (left out of the summary; the rest is shown)",
        resource_type=resource["resourceType"],
        resource_id=read.text_of(resource.get("id"))[:64],
        patient_bsn=bsn,
        payload=_dump([resource]),
        keys=(index.key_of(resource),),
    )


def _no_such_patient(owner: str, members: list[dict], index: _Index) -> str:
    """ "AllergyIntolerance/a1.patient refers to Patient/x, which the page does not hold":
    the referring resources and fields, so the sender can find them."""
    referrers = []
    for resource in members:
        for name in PATIENT_FIELDS:
            value = resource.get(name)
            if value:
                if index.key(value) == owner:
                    referrers.append(f"{index.key_of(resource)}.{name}")
                break
    target = (
        f"the patient with BSN {owner[4:]} (by identifier)" if owner.startswith("bsn:") else owner
    )
    if len(referrers) > 3:
        who = f"{', '.join(referrers[:3])} and {len(referrers) - 3} more resource(s) refer"
    elif len(referrers) > 1:
        who = f"{', '.join(referrers[:-1])} and {referrers[-1]} refer"
    elif referrers:
        who = f"{referrers[0]} refers"
    else:
        who = f"{len(members)} resource(s) refer"
    return f"{who} to {target}, which the page does not hold (its name and birth date are needed)"


def _held_back(built: PatientSummary, owner: str, index: _Index, limits: Limits) -> str | None:
    """Why a summary that could be built still waits in the quarantine, or None."""
    if len(built.source_bytes) > limits.max_summary_bytes:
        return (
            f"{owner}: the summary is {len(built.source_bytes):,} bytes; "
            f"the limit is {limits.max_summary_bytes:,} (SUMMARY_MAX_SUMMARY_BYTES)"
        )
    if ESCAPED_NUL in built.source_bytes and (where := _nul_in(built.source, index)):
        return f"{where}: text holds a NUL character (\\u0000), which the database cannot store"
    return None


ESCAPED_NUL = b"\\u0000"  # how JSON writes U+0000; PostgreSQL refuses it in JSONB and text


def _nul_in(resources: list[dict], index: _Index) -> str | None:
    """ "Type/id.field" of the first text (or name) holding U+0000, or None.

    Looked for in each resource's JSON first (one C-speed search); a backslash written
    before "u0000" looks the same there, so the resource is then walked to be sure.
    """
    for resource in resources:
        text = index.json_of(resource)
        if text is None or ESCAPED_NUL in text:
            path = _path_to_nul(resource, "")
            if path is not None:
                return f"{index.key_of(resource)}.{path}"
    return None


def _path_to_nul(value: Any, path: str) -> str | None:
    if type(value) is dict:
        for key, child in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            if (found := _path_to_nul(child, here)) is not None:
                return found
    elif type(value) is list:
        for i, child in enumerate(value):
            if (found := _path_to_nul(child, f"{path}[{i}]")) is not None:
                return found
    elif type(value) is str and "\x00" in value:
        return path
    return None


def _patient_quarantined(
    reason: str, patient: dict, members: list[dict], index: _Index, bsn: str, payload: bytes
) -> Quarantine:
    """A patient's whole summary held back: the Patient and everything that came with it."""
    return Quarantine(
        reason=reason,
        resource_type="Patient",
        resource_id=read.text_of(patient.get("id"))[:64],
        patient_bsn=bsn,
        payload=payload,
        keys=index.keys_of([patient], members),
    )


def _bsn_of_owner(resource: dict, index: _Index) -> str:
    """The valid BSN of the patient a resource is (or is about), or ""."""
    if resource["resourceType"] == "Patient":
        return _plain_bsn(resource)
    owner = _owner(resource, index) or ""
    if owner.startswith("bsn:"):
        return _valid_bsn_or_blank(owner[4:])
    patient = index.by_key.get(owner)
    return _plain_bsn(patient) if patient and patient["resourceType"] == "Patient" else ""


def _plain_bsn(patient: dict) -> str:
    return _valid_bsn_or_blank(read.identifier_value(patient, read.BSN_SYSTEMS) or "")


def _valid_bsn_or_blank(bsn: str) -> str:
    return bsn if bsn_is_valid(bsn) else ""
