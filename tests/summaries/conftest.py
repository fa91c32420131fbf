"""A real GP practice simulator for the pipeline tests, and practices registered from it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from audit.actors import Actor
from summaries.models import GpPractice
from summaries.services.practices import practice_add

ROOT = Path(__file__).resolve().parents[2]


class Simulator:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "simulator", "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("simulator:"):
            self.process.kill()
            raise RuntimeError(f"simulator did not start: {line!r}")
        self.url = next(word for word in line.split() if word.startswith("http://"))

    def practices(self) -> list[dict]:
        return httpx.get(f"{self.url}/_admin/practices", timeout=10).json()

    def fault(self, agb: str, **fault) -> None:
        httpx.put(
            f"{self.url}/_admin/practices/{agb}/faults", json=fault, timeout=10
        ).raise_for_status()

    def clear_faults(self) -> None:
        for practice in self.practices():
            httpx.delete(f"{self.url}/_admin/practices/{practice['agb']}/faults", timeout=10)

    def touch(self, agb: str, patients: list[int]) -> int:
        response = httpx.post(
            f"{self.url}/_admin/practices/{agb}/touch", json={"patients": patients}, timeout=10
        )
        response.raise_for_status()
        return response.json()["touched"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


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
    registered = []
    for entry in simulator.practices():
        practice, _ = practice_add(
            agb=entry["agb"],
            ura=entry["ura"],
            name=entry["name"],
            url=entry["base_url"],
            token=entry["token"],
            actor=Actor.system("test"),
        )
        registered.append(practice)
    yield registered
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
