"""bench/registry.py's check of each batch's answer: a figure must never be measured on
refused or partly registered batches. Pure functions, no server."""

from __future__ import annotations

import json

import pytest

from bench.common import BenchFailure
from bench.registry import Batch, check_batch_answer

ROWS = [{"bsn": "999911120"}, {"bsn": "999911132"}, {"bsn": "999911144"}]
BATCH = Batch(ROWS, b"{}", "key-1")


def answer(**changes) -> bytes:
    body = {
        "idempotency_key": "key-1",
        "registered": 3,
        "registrations": [{"index": i, "id": 100 + i, "registered_at": "x"} for i in range(3)],
    }
    body.update(changes)
    return json.dumps(body).encode()


def test_a_full_201_passes():
    check_batch_answer(BATCH, 201, answer())


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, b'{"detail": "Nothing was registered"}', "HTTP 400"),
        (200, answer(), "HTTP 200"),  # a replayed answer would not be 201 either
        (201, b"<html>", "not JSON"),
        (201, answer(idempotency_key="other"), "names key"),
        (201, answer(registered=2), "registered 2 of 3"),
        (201, answer(registrations=[{"index": 0, "id": 1}, {"index": 1, "id": 2}]), "each row"),
        (
            201,
            answer(registrations=[{"index": i, "id": 7} for i in range(3)]),
            "1 distinct ids",
        ),
    ],
)
def test_anything_else_stops_the_bench(status, body, message):
    with pytest.raises(BenchFailure, match=message):
        check_batch_answer(BATCH, status, body)
