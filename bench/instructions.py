"""Parse + validate vs orjson.loads, counted in CPU instructions instead of seconds.

    .venv/bin/python bench/instructions.py [--pages 3]   # under a minute; needs valgrind

The timed ratio in bench/ingest.py moves by ±0.5 from run to run on these shared machines.
Instructions counted by valgrind's callgrind do not: the same code and pages give the same
count whatever else the machine is doing. So this is the figure to compare two versions of
the parser with; the timed one stays the figure of record (callgrind does not see cache misses
and memory stalls, and it counts SHA-256 in software where the CPU has instructions for it:
the content hash weighs ~0.6× loads here against ~0.1× in seconds).

Each count is one Python process that reads the same pages: doing nothing with them, running
orjson.loads on each twice, or parse_page on each twice. The two ratios subtract the first.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, Simulator  # noqa: E402

CHILD = """
import datetime as dt, sys
from pathlib import Path
sys.path.insert(0, {root!r})
import orjson
from summaries.fhir import parse_page
pages = [p.read_bytes() for p in sorted(Path({pages!r}).glob("*.json"))]
now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
mode = sys.argv[1]
for _ in range(2):
    for page in pages:
        if mode == "loads":
            orjson.loads(page)
        elif mode == "parse":
            parse_page(page, now=now)
"""


def fetch_pages(count: int, directory: Path) -> None:
    import httpx

    sim = Simulator("--practices", "1", "--patients-per-practice", str(count * 100), "--seed", "5")
    try:
        practice = sim.practices()[0]
        url = f"{practice['base_url']}/Patient?_count=100"
        headers = {"Authorization": f"Bearer {practice['token']}"}
        for number in range(count):
            body = httpx.get(url, headers=headers, timeout=60).content
            (directory / f"{number:03d}.json").write_bytes(body)
            links = httpx.Response(200, content=body).json().get("link", [])
            url = next((link["url"] for link in links if link["relation"] == "next"), None)
            if url is None:
                break
    finally:
        sim.stop()


def instructions(script: Path, mode: str) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, str(script), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=3, help="pages of 100 summaries (3)")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        fetch_pages(args.pages, directory)
        script = directory / "child.py"
        script.write_text(CHILD.format(root=str(ROOT), pages=str(directory)))
        nothing = instructions(script, "none")
        loads = instructions(script, "loads") - nothing
        parse = instructions(script, "parse") - nothing
    print(f"{args.pages} pages of 100 summaries, each read twice (callgrind instructions)")
    print("| step | instructions | ratio to orjson.loads |")
    print("|---|---:|---:|")
    print(f"| orjson.loads | {loads / 1e6:,.0f} M | 1.00× |")
    print(f"| `summaries.fhir.parse_page` | {parse / 1e6:,.0f} M | {parse / loads:.2f}× |")


if __name__ == "__main__":
    main()
