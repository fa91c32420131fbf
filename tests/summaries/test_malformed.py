"""Whatever shape a GP system sends, a page is read: nothing crashes, nothing is lost.

Hypothesis bends a page of two patients out of shape: it deletes fields, puts
lists where objects belong, numbers where text belongs, empty or foreign
references, at any depth of any resource. parse_page must then either refuse
the page as a whole (PageError) or account for every resource it was given:
in a summary, or in the quarantine with a reason. An unexpected exception
would fail the whole page's pull (a hundred patients) for one bad field.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.identifiers import bsn_is_valid
from summaries.fhir import parse_page
from summaries.fhir.model import Limits
from summaries.fhir.nul import path_to_nul
from summaries.fhir.page import PageError
from summaries.fhir.resource_types import RESOURCE_TYPES
from tests.summaries import builders as b

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", " ", "x", "Patient/", "Patient/p2", "/", "urn:uuid:", "2026-13-45", "\x00"]
    ),
    st.sampled_from([[], {}, [None], [[]], ["a"], {"a": 1}, [{}]]),
    st.sampled_from(
        [
            {"reference": "Practitioner/nope"},
            {"reference": ["Patient/p1"]},
            {"coding": "x"},
            {"coding": [1]},
            {"system": ["http://fhir.nl/fhir/NamingSystem/bsn"], "value": "999911120"},
            {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": {"a": 1}},
        ]
    ),
)
FIELD_NAMES = st.sampled_from(
    ["reference", "identifier", "extension", "coding", "text", "system", "value", "id"]
    + ["meta", "subject", "patient", "generalPractitioner", "code", "status", "category"]
)


def base_page() -> dict:
    resources = [
        b.patient(),
        b.patient("p2", bsn="999911132", birth_date="1960-05-06"),
        b.gp(),
        b.flag(),
        b.allergy(pid="p2"),
        b.medication(),
        b.condition("c1", "T90", "Diabetes mellitus type 2", attention=True),
        b.condition("c2", "P76", "Depressie", pid="p2"),
        b.lab(),
        b.journal(),
        {  # an episode naming a diagnosis: a reference that bending can send elsewhere
            "resourceType": "EpisodeOfCare",
            "id": "eoc1",
            "status": "active",
            "patient": {"reference": "Patient/p1"},
            "diagnosis": [{"condition": {"reference": "Condition/c1"}}],
        },
    ]
    return orjson.loads(b.bundle(*resources))


BASE = base_page()


def places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: the path of each object member and list item."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        found.append((*path, key))
        if isinstance(child, (dict, list)):
            found.extend(places(child, (*path, key)))
    return found


@st.composite
def bent_pages(draw) -> dict:
    page = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        # A resource first, then a place in it: each resource as likely to be bent.
        bendable = [e for e in page["entry"] if isinstance(e, (dict, list)) and e]
        if not bendable:
            break
        entry = draw(st.sampled_from(bendable))
        path = draw(st.sampled_from(places(entry)))
        parent = entry
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(FIELD_NAMES)] = copy.deepcopy(draw(ODD_VALUES))
        else:
            parent[path[-1]] = copy.deepcopy(draw(ODD_VALUES))  # not the strategy's own
    return page


def bent(path: tuple, value: Any, *more: tuple) -> dict:
    """The base page with values replaced (for the shapes that once broke a page): a path
    and its new value, and more such pairs."""
    page = copy.deepcopy(BASE)
    changes = [(path, value), *zip(more[::2], more[1::2], strict=True)]
    for where, new in changes:
        parent = page
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = new
    return page


def entry_of(resource_id: str) -> int:
    return next(i for i, e in enumerate(BASE["entry"]) if e["resource"]["id"] == resource_id)


def accounted_for(page: dict, limits: Limits) -> None:
    try:
        result = parse_page(orjson.dumps(page), now=b.NOW, limits=limits)
    except PageError:
        return  # refused as a whole, with its reason: nothing of it was taken
    # What is kept can be stored: no U+0000 anywhere PostgreSQL would refuse it, and a
    # quarantined patient's BSN (which the registry is asked about) is a valid one or none.
    for s in result.summaries:
        assert b"\\u0000" not in s.summary.to_json(), s.bsn
        assert path_to_nul(s.source, "") is None, s.bsn
    for q in result.quarantine:
        assert q.patient_bsn == "" or bsn_is_valid(q.patient_bsn), q
    kept = {key for s in result.summaries for key in s.keys}
    held = {key for q in result.quarantine for key in q.keys}
    wrong_types = {(q.resource_type, q.resource_id) for q in result.quarantine}
    seen: set[str] = set()
    for entry in page["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind, rid = resource.get("resourceType"), resource.get("id")
        if not (isinstance(rid, str) and rid and "/" not in rid and rid.strip() == rid):
            continue  # named by its full URL instead: checked by the other tests
        if not isinstance(kind, str) or kind not in RESOURCE_TYPES:
            assert (str(kind)[:64], rid[:64]) in wrong_types, (kind, rid)
            continue
        key = f"{kind}/{rid}"
        if key in seen:
            continue  # the same resource twice on a page is read once
        seen.add(key)
        assert key in kept or key in held, (key, result.quarantine)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=bent_pages())
@example(page=bent(("entry", 0, "resource", "meta"), ["a"]))  # meta is a list
@example(page=bent(("entry", 0, "resource", "meta", "profile"), [{"a": 1}]))
@example(page=bent(("entry", 0, "resource", "identifier", 0, "system"), ["x"]))
@example(page=bent(("entry", 2, "resource", "identifier", 0, "system"), {"a": 1}))
@example(  # p1's episode names p2's diagnosis, whose text holds U+0000 (found by review)
    page=bent(
        ("entry", entry_of("eoc1"), "resource", "diagnosis", 0, "condition", "reference"),
        "Condition/c2",
        ("entry", entry_of("c2"), "resource", "code", "text"),
        "Depressie\x00",
    )
)
@example(  # a reference by BSN to no Patient on the page, the BSN with U+0000 in it
    page=bent(
        ("entry", entry_of("c1"), "resource", "subject"),
        {"identifier": {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "12\x00"}},
    )
)
def test_a_bent_page_is_read_or_refused_and_no_resource_is_lost(page):
    accounted_for(page, Limits())
    accounted_for(page, Limits(max_depth=5))
