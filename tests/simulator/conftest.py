"""The simulator under test: one real subprocess per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.simulator.support import TODAY, Running, run_simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Running]:
    with run_simulator(
        "--practices", "3", "--patients-per-practice", "120", "--seed", "42", "--today", TODAY
    ) as running:
        yield running
