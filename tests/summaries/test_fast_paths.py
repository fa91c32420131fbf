"""parse_page's shortcuts give exactly what walking every resource gives.

The depth check runs in one orjson pass for the whole page, and a resource's references
are walked for only when its JSON can name a resource without a patient of its own. With
both shortcuts switched off, every resource is walked, as before they existed; the results
must be equal, field for field and byte for byte.
"""

import copy

import httpx
import orjson
import pytest

from summaries.fhir import entries, grouping, parse_page
from summaries.fhir.decode import ORJSON_MAX_NESTING, PageError, inspect, surely_within_depth
from summaries.fhir.model import Limits
from tests.summaries import builders as b


def outcome(data: bytes, limits: Limits) -> tuple:
    try:
        result = parse_page(data, now=b.NOW, limits=limits)
    except PageError as exc:
        return ("PageError", str(exc))
    for s in result.summaries:  # the source joined from its parts is the source, serialised
        assert s.source_bytes == orjson.dumps(s.source)
    summaries = [
        (s.bsn, s.birth_date, s.summary, s.source, s.source_bytes, s.source_version)
        + (s.source_updated_at, s.keys, list(s.placement.items()))
        for s in result.summaries
    ]
    quarantine = [
        (q.reason, q.resource_type, q.resource_id, q.patient_bsn, q.payload, q.keys)
        for q in result.quarantine
    ]
    return summaries, quarantine, result.snapshot, result.next_url, result.fhir_version


def walking_everything(monkeypatch) -> None:
    monkeypatch.setattr(entries, "surely_within_depth", lambda resources, limit: False)
    monkeypatch.setattr(grouping, "needles_of", lambda unassigned, index: None)


def assert_same_with_and_without_shortcuts(monkeypatch, data: bytes, limits: Limits) -> tuple:
    fast = outcome(data, limits)
    with monkeypatch.context() as patched:
        walking_everything(patched)
        assert outcome(data, limits) == fast
    return fast


def nested(depth: int, shape: str = "objects") -> dict:
    """A resource `depth` levels deep: objects in objects, lists in lists, or both in turn,
    with a value at the bottom or an empty container."""
    resource: dict = {"resourceType": "Basic", "id": "deep"}
    node: dict | list = resource
    for level in range(depth - 1):
        as_list = shape == "lists" or (shape == "mixed" and level % 2)
        child: dict | list = [] if as_list else {}
        if isinstance(node, dict):
            node["extension"] = child
        else:
            node.append(child)
        node = child
    if shape != "objects" and depth > 1:
        node.append("leaf") if isinstance(node, list) else node.update(valueString="leaf")
    return resource


@pytest.mark.parametrize("shape", ["objects", "lists", "mixed"])
@pytest.mark.parametrize("limit", [1, 2, 3, 8, 40, ORJSON_MAX_NESTING - 1])
def test_the_one_pass_depth_check_draws_the_line_where_the_walk_does(limit, shape):
    for depth in (limit - 1, limit, limit + 1):
        if depth < 1:
            continue
        assert inspect(nested(depth, shape), limit + 5)[0] == depth
        assert surely_within_depth([nested(1), nested(depth, shape)], limit) is (depth <= limit)


def test_orjsons_nesting_wall_was_found_and_confirmed():
    assert 40 < ORJSON_MAX_NESTING < 1024  # 0 would mean: every resource walked


def test_a_limit_beyond_orjsons_own_leaves_the_depth_to_the_walk():
    assert surely_within_depth([nested(3)], ORJSON_MAX_NESTING) is False


@pytest.fixture(scope="module")
def simulator_pages(simulator):
    pages = []
    for practice in simulator.practices():
        url = f"{practice['base_url']}/Patient?_count=10"
        while url:
            body = httpx.get(
                url, headers={"Authorization": f"Bearer {practice['token']}"}, timeout=30
            ).content
            pages.append(body)
            links = orjson.loads(body).get("link", [])
            url = next((link["url"] for link in links if link["relation"] == "next"), None)
    return pages


def test_simulator_pages_read_the_same_with_and_without_the_shortcuts(monkeypatch, simulator_pages):
    assert len(simulator_pages) > 3
    for data in simulator_pages:
        summaries, *_ = assert_same_with_and_without_shortcuts(monkeypatch, data, Limits())
        assert summaries


def edge_cases(page: bytes):
    bundle = orjson.loads(page)
    yield "truncated", page[: len(page) // 2]
    yield "indented", orjson.dumps(bundle, option=orjson.OPT_INDENT_2)

    deep, changed = copy.deepcopy(bundle), 0
    for entry in deep["entry"]:
        if entry["resource"]["resourceType"] == "Condition" and changed < 2:
            entry["resource"]["extension"] = [nested(45)]
            changed += 1
    yield "deep nesting", orjson.dumps(deep)

    wrong = copy.deepcopy(bundle)
    wrong["entry"][3]["resource"]["resourceType"] = "Patiënt"
    yield "wrong resourceType", orjson.dumps(wrong)

    no_bsn = copy.deepcopy(bundle)
    patient = next(e for e in no_bsn["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["resource"]["identifier"] = []
    yield "missing BSN", orjson.dumps(no_bsn)

    by_url = copy.deepcopy(bundle)
    for entry in by_url["entry"]:
        entry["resource"].pop("id", None)  # named by fullUrl only
        entry["resource"]["text"] = {"div": '<div>"reference": "Organization/x" [{</div>'}
    yield "ids from full URLs, references in text", orjson.dumps(by_url)

    odd = copy.deepcopy(bundle)
    for i, entry in enumerate(odd["entry"]):
        target = (" Practitioner/gp-99 ", 7, {"reference": "x"})[i % 3]
        entry["resource"]["extension"] = [{"url": "u", "valueReference": {"reference": target}}]
    yield "references that are not plain Type/id", orjson.dumps(odd)


@pytest.mark.parametrize("max_depth", [40, 8, 3])
def test_edge_cases_read_the_same_with_and_without_the_shortcuts(
    monkeypatch, simulator_pages, max_depth
):
    for name, data in edge_cases(simulator_pages[0]):
        result = assert_same_with_and_without_shortcuts(monkeypatch, data, Limits(max_depth))
        if name == "truncated":
            assert result[0] == "PageError", name
        else:
            assert result[0], name  # the page's other patients are read


def test_a_shared_resource_named_by_full_url_joins_the_patients_that_name_it(monkeypatch):
    practitioner, organisation = b.gp()
    patient = b.patient(generalPractitioner=[{"reference": "urn:uuid:gp-1"}])
    data = orjson.dumps(
        {
            "resourceType": "Bundle",
            "entry": [
                {"fullUrl": "urn:uuid:gp-1", "resource": practitioner},
                {"fullUrl": "urn:uuid:org-1", "resource": organisation},
                {"resource": patient},
                {"resource": b.allergy()},
            ],
        }
    )
    summaries, quarantine, *_ = assert_same_with_and_without_shortcuts(monkeypatch, data, Limits())
    assert "Practitioner/gp1" in summaries[0][7]  # its keys: it joined by full URL
    assert [q[0] for q in quarantine] == [
        "Organization/org1: not referred to by any patient's resources on this page"
    ]


def test_a_numeric_reference_to_a_numeric_full_url_is_still_found(monkeypatch):
    practitioner, _ = b.gp()
    allergy = b.allergy()
    allergy["recorder"] = {"reference": 12}
    data = orjson.dumps(
        {
            "resourceType": "Bundle",
            "entry": [
                {"fullUrl": "12", "resource": practitioner},
                {"resource": b.patient(generalPractitioner=[])},
                {"resource": allergy},
            ],
        }
    )
    summaries, quarantine, *_ = assert_same_with_and_without_shortcuts(monkeypatch, data, Limits())
    assert "Practitioner/gp1" in summaries[0][7]
    assert quarantine == []


def test_fhir_xml_reads_the_same_with_and_without_the_shortcuts(monkeypatch):
    from pathlib import Path

    data = (
        Path(__file__).parents[1]
        / "fixtures/nictiz/Nictiz-STU3-Zib2017/Bundle-gpdata2017-batch-01.xml"
    ).read_bytes()
    for max_depth in (40, 8):
        summaries, *_ = assert_same_with_and_without_shortcuts(monkeypatch, data, Limits(max_depth))
        assert summaries or max_depth == 8
