"""Start the simulator (or its timestamping authority, simulator/tsa.py) as a process of its own
and talk to it: for tests, the demo and bench."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


class ModuleProcess:
    """`python -m <module> --port 0 …` as a process of its own, started once the first line
    it prints begins with `ready` (kept in `line`; its http:// word is `url`)."""

    def __init__(self, module: str, *args: str, ready: str) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own module, our arguments
            [sys.executable, "-m", module, "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.line = self.process.stdout.readline()
        if not self.line.startswith(ready):
            self.process.kill()
            raise RuntimeError(f"{module} did not start: {self.line!r}")
        self.url = next(word for word in self.line.split() if word.startswith("http://"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class SimulatorProcess(ModuleProcess):
    """`python -m simulator --port 0 …`, its URL read from the line it prints."""

    def __init__(self, *args: str) -> None:
        super().__init__("simulator", *args, ready="simulator:")

    def practices(self) -> list[dict]:
        return httpx.get(f"{self.url}/_admin/practices", timeout=30).json()

    def fault(self, agb: str, **fault) -> None:
        url = f"{self.url}/_admin/practices/{agb}/faults"
        httpx.put(url, json=fault, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        for practice in self.practices():
            httpx.delete(f"{self.url}/_admin/practices/{practice['agb']}/faults", timeout=10)

    def touch(self, agb: str | None = None, **body) -> int:
        """Change patients' summaries: `patients=[0, 5]` or `fraction=0.03` (all practices
        when no AGB is given). Returns how many changed."""
        path = f"/_admin/practices/{agb}/touch" if agb else "/_admin/touch"
        response = httpx.post(f"{self.url}{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()["touched"]
