"""Resources per patient: each resource goes to the patient it is about, and the shared ones
(GP, practice, medicinal product) join every patient whose resources refer to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from summaries.fhir.index import escaped
from summaries.fhir.quarantined import Quarantine, resource_quarantined

if TYPE_CHECKING:
    from summaries.fhir.entries import Entry
    from summaries.fhir.index import PageIndex, References

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


def owner_of(resource: dict, index: PageIndex) -> str | None:
    """The patient a resource is about, by its first filled subject/patient/beneficiary."""
    for name in PATIENT_FIELDS:
        value = resource.get(name)
        if value:
            return index.key(value)
    return None


def grouped(
    entries: list[Entry], index: PageIndex
) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """Resources per patient, and those without a patient of their own."""
    groups: dict[str, list[dict]] = defaultdict(list)
    unassigned: dict[str, dict] = {}
    for entry in entries:
        resource = entry.resource
        if resource["resourceType"] == "Patient":
            groups.setdefault(entry.key, [])
            continue
        owner = owner_of(resource, index)
        if owner:
            groups[owner].append(resource)
        else:
            unassigned[entry.key] = resource
    return groups, unassigned


def join_shared(
    groups: dict[str, list[dict]],
    unassigned: dict[str, dict],
    index: PageIndex,
    references: References,
) -> dict[str, set[str]]:
    """Resources without a patient of their own (a SOEP line, a medicinal product,
    the GP) join every group whose resources refer to them. Returns the groups
    that each one joined."""
    used: dict[str, set[str]] = defaultdict(set)
    if not unassigned:
        return used
    needles = needles_of(unassigned, index)
    for owner, members in groups.items():
        patient = index.by_key.get(owner)
        queue = list(members) + ([patient] if patient else [])
        # Not joined yet (a member's own key is never among them: it has a patient).
        unseen = dict.fromkeys(unassigned)
        signs = signs_of(unseen, needles)
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
                    signs = signs_of(unseen, needles)
    return used


def signs_of(keys: Iterable[str], needles: dict[str, list[bytes]] | None) -> list[bytes] | None:
    """The text a resource's JSON must hold to refer to any of these keys (None: unknown)."""
    if needles is None:
        return None
    return [needle for key in keys for needle in needles[key]]


def needles_of(unassigned: dict[str, dict], index: PageIndex) -> dict[str, list[bytes]] | None:
    """Text that a resource's JSON must hold to refer to each of these resources.

    A reference that finds one names its id, or its entry's full URL. Only a
    number or boolean "reference" could match a full URL without "/" or ":";
    with such a URL on the page there is no telling (None).
    """
    needles = {key: [escaped(key.partition("/")[2])] for key in unassigned}
    for url, resource in index.by_url.items():
        key = index.key_of(resource)
        if key in needles:
            if "/" not in url and ":" not in url:
                return None
            if needles[key][0] not in escaped(url):  # a URL with the id in it adds nothing
                needles[key].append(escaped(url))
    return needles


def join_roles(
    groups: dict[str, list[dict]],
    unassigned: dict[str, dict],
    used: dict[str, set[str]],
    index: PageIndex,
    references: References,
) -> None:
    """A PractitionerRole that ties a group's GP to its practice belongs with them, even
    when nothing refers to the role itself."""
    for key, resource in unassigned.items():
        if key in used or resource["resourceType"] not in SHARED_TYPES:
            continue
        owners = set().union(
            *(used.get(index.key(r) or "", set()) for r in references.of(resource))
        )
        for owner in owners:
            groups[owner].append(resource)
            used[key].add(owner)


def unjoined(unassigned: dict[str, dict], used: dict[str, set[str]]) -> list[Quarantine]:
    """What belongs to no patient on the page, each resource quarantined alone."""
    items = []
    for key, resource in unassigned.items():
        if key in used:
            continue
        why = (
            "not referred to by any patient's resources on this page"
            if resource["resourceType"] in SHARED_TYPES
            else f"{'/'.join(PATIENT_FIELDS)}: missing; cannot tell which patient this is about"
        )
        items.append(resource_quarantined(f"{key}: {why}", resource, key))
    return items
