"""Faults set through the admin API, as the pipeline's error handling tests use them."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from audit.identifiers import bsn_is_valid
from tests.simulator.support import bsn_of


@pytest.fixture
def practice(sim):
    """Practice 0 with no faults before and after the test."""
    chosen = sim.practice(0)
    faults_url = f"{sim.url}/_admin/practices/{chosen['agb']}/faults"
    httpx.delete(faults_url)
    yield chosen
    httpx.delete(faults_url)


def set_faults(sim, practice: dict, **faults) -> dict:
    response = httpx.put(f"{sim.url}/_admin/practices/{practice['agb']}/faults", json=faults)
    assert response.status_code == 200, response.text
    return response.json()


def search(sim, practice: dict, **kwargs) -> httpx.Response:
    with sim.client(practice, timeout=kwargs.pop("timeout", 30)) as client:
        return client.get(f"{practice['base_url']}/Patient", params={"_count": 3})


def test_latency_delays_the_answer(sim, practice):
    set_faults(sim, practice, latency_ms=400)

    started = time.monotonic()
    response = search(sim, practice)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize("status", [500, 503])
def test_status_is_answered_times_then_normal(sim, practice, status):
    shown = set_faults(sim, practice, status=status, times=2)

    answers = [search(sim, practice) for _ in range(3)]

    assert shown == {"status": status, "times": 2}
    assert [r.status_code for r in answers] == [status, status, 200]
    assert answers[0].json()["resourceType"] == "OperationOutcome"
    assert httpx.get(f"{sim.url}/_admin/practices/{practice['agb']}/faults").json() == {}


def test_truncate_cuts_the_json_in_half(sim, practice):
    whole = search(sim, practice).content
    set_faults(sim, practice, truncate=True)

    response = search(sim, practice)

    assert response.status_code == 200
    assert abs(len(response.content) - len(whole) // 2) < 64  # the snapshot may differ
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


def _patients(response: httpx.Response) -> list[dict]:
    page = orjson.loads(response.content)
    return [e["resource"] for e in page["entry"] if e["search"]["mode"] == "match"]


def _depth(value: object) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(item, dict | list) and isinstance(child, dict | list)
        ]
    return depth


def test_invalid_resource_type(sim, practice):
    set_faults(sim, practice, invalid="resource_type")
    page = orjson.loads(search(sim, practice).content)
    # The spoiled Patient is no longer a "Patient" by type, so find it by its search mode.
    first, second, _ = [e["resource"] for e in page["entry"] if e["search"]["mode"] == "match"]

    assert first["resourceType"] == "Patiënt"
    assert second["resourceType"] == "Patient"


def test_invalid_missing_bsn(sim, practice):
    set_faults(sim, practice, invalid="missing_bsn")
    first, second, _ = _patients(search(sim, practice))

    assert bsn_of(first) is None
    assert bsn_is_valid(bsn_of(second))


def test_invalid_bsn_fails_the_eleven_test(sim, practice):
    set_faults(sim, practice, invalid="invalid_bsn")
    first, second, _ = _patients(search(sim, practice))

    assert len(bsn_of(first)) == 9 and not bsn_is_valid(bsn_of(first))
    assert bsn_is_valid(bsn_of(second))


def test_invalid_deep_nests_a_resource_200_levels(sim, practice):
    set_faults(sim, practice, invalid="deep")
    first, second, _ = _patients(search(sim, practice))

    assert _depth(first) > 200
    assert _depth(second) < 10


def test_invalid_oversized_is_a_20_mb_resource(sim, practice):
    set_faults(sim, practice, invalid="oversized")
    response = search(sim, practice)
    first, second, _ = _patients(response)

    assert len(orjson.dumps(first)) >= 20 * 1024 * 1024
    assert "text" not in second


def test_wrong_token_rejects_the_right_token(sim, practice):
    set_faults(sim, practice, wrong_token=True)

    response = search(sim, practice)

    assert response.status_code == 401
    assert response.json()["issue"][0]["code"] == "login"


def test_timeout_never_answers(sim, practice):
    set_faults(sim, practice, timeout=True, times=1)

    with pytest.raises(httpx.ReadTimeout):
        search(sim, practice, timeout=1)
    assert search(sim, practice).status_code == 200  # times=1: the next one is answered


def test_faults_can_be_read_and_cleared_and_bad_ones_are_refused(sim, practice):
    url = f"{sim.url}/_admin/practices/{practice['agb']}/faults"
    set_faults(sim, practice, latency_ms=5, invalid="deep", times=3)

    shown = httpx.get(url).json()
    cleared = httpx.delete(url).json()
    refused = [
        httpx.put(url, json={"latency": 5}),
        httpx.put(url, json={"invalid": "everything"}),
        httpx.put(url, json={"status": 200}),
        httpx.put(url, content=b"not json"),
    ]

    assert shown == {"latency_ms": 5.0, "invalid": "deep", "times": 3}
    assert cleared == {} and httpx.get(url).json() == {}
    assert [r.status_code for r in refused] == [400, 400, 400, 400]
    assert "Traceback" not in sim.stderr_text()


@pytest.mark.parametrize("retry_after", [7, "Thu, 26 Nov 2026 10:00:30 GMT"])
def test_a_status_fault_can_carry_retry_after(sim, practice, retry_after):
    shown = set_faults(sim, practice, status=429, retry_after=retry_after, times=1)

    refused, answered = search(sim, practice), search(sim, practice)

    assert shown == {"status": 429, "retry_after": retry_after, "times": 1}
    assert refused.status_code == 429 and refused.headers["retry-after"] == str(retry_after)
    assert answered.status_code == 200 and "retry-after" not in answered.headers


def test_retry_after_needs_a_status_and_a_usable_value(sim, practice):
    url = f"{sim.url}/_admin/practices/{practice['agb']}/faults"
    refused = [
        httpx.put(url, json={"retry_after": 5}),
        httpx.put(url, json={"status": 429, "retry_after": -1}),
        httpx.put(url, json={"status": 429, "retry_after": "soon\r\nX-Evil: 1"}),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]


def test_chunked_sends_the_page_without_content_length(sim, practice):
    whole = search(sim, practice)
    set_faults(sim, practice, chunked=True)

    chunked = search(sim, practice)

    assert "content-length" not in chunked.headers
    assert chunked.headers["transfer-encoding"] == "chunked"
    assert orjson.loads(chunked.content)["total"] == orjson.loads(whole.content)["total"]
