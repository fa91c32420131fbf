"""A real GP practice simulator for the pipeline tests, and practices registered from it."""

from __future__ import annotations

import time

import pytest

from audit.actors import Actor
from simulator.process import SimulatorProcess as Simulator
from summaries.models import GpPractice
from summaries.services.practices import practices_register


@pytest.fixture(scope="module")
def simulator():
    sim = Simulator(
        "--practices", "3", "--patients-per-practice", "25", "--seed", "7", "--page-size", "10"
    )
    yield sim
    sim.stop()


@pytest.fixture
def practices(simulator, db, settings):
    """The simulator's practices, registered; fast retries so failures show quickly."""
    settings.SUMMARY_RETRY_BASE_SECONDS = 0.01
    settings.SUMMARY_PAGE_SIZE = 10
    simulator.clear_faults()
    yield practices_register(listing=simulator.practices(), actor=Actor.system("test"))
    simulator.clear_faults()


def fresh(practice: GpPractice) -> GpPractice:
    return GpPractice.objects.get(pk=practice.pk)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
