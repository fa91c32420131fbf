"""Helpers to run the simulator as a real subprocess and talk to it over HTTP.

These tests need no database: they start `python -m simulator --port 0` and read the URL it
prints, as the pipeline, the demo and the benchmark do.
"""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-26"
# Nictiz's published examples, copied into the repository (tests/fixtures/nictiz/README.md).
NICTIZ = Path(__file__).resolve().parents[1] / "fixtures" / "nictiz"
BSN = "http://fhir.nl/fhir/NamingSystem/bsn"


@dataclass
class Running:
    url: str
    process: subprocess.Popen
    stderr: IO[bytes]

    def practices(self) -> list[dict]:
        return httpx.get(f"{self.url}/_admin/practices").json()

    def practice(self, index: int) -> dict:
        return self.practices()[index]

    def client(self, practice: dict, **kwargs) -> httpx.Client:
        headers = {
            "Authorization": f"Bearer {practice['token']}",
            "Accept": "application/fhir+json",
        }
        return httpx.Client(headers=headers, timeout=kwargs.pop("timeout", 30), **kwargs)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")


@contextmanager
def run_simulator(*args: str) -> Iterator[Running]:
    stderr = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline().decode() if ready else ""
        match = re.search(r"practices on (http://\S+) \(GET /_admin/practices\)", line)
        if not match:
            stderr.seek(0)
            raise RuntimeError(f"simulator did not start: {line!r} {stderr.read()!r}")
        yield Running(match.group(1), process, stderr)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()


def pull(client: httpx.Client, url: str, **params: str) -> list[dict]:
    """Every page of a search, following `next` links."""
    pages = []
    # httpx drops a URL's own query when given params, even empty ones.
    response = client.get(url, params=params) if params else client.get(url)
    while True:
        response.raise_for_status()
        page = orjson.loads(response.content)
        pages.append(page)
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not following:
            return pages
        response = client.get(following[0])


def matches(pages: list[dict]) -> list[dict]:
    return [
        e["resource"]
        for page in pages
        for e in page.get("entry", [])
        if e["search"]["mode"] == "match"
    ]


def bsn_of(patient: dict) -> str | None:
    return next((i["value"] for i in patient.get("identifier", []) if i["system"] == BSN), None)
