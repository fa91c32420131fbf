"""Does a change to the parser change what it reads? Compare two versions, outcome by outcome.

    .venv/bin/python bench/parser_diff.py [BASE]    # BASE: a git revision, default HEAD

For work on the parser's speed: every change must give the same summaries and the same
quarantine, field for field and byte for byte. This checks out BASE in a temporary worktree,
builds a corpus (simulator pages, the Nictiz examples as the simulator serves them, and
simulator pages bent at random places with a fixed seed), parses every page with both the
working tree's parser and BASE's (with the default limits and with a depth limit of 6), and
prints how many outcomes differ and the first differences. About half a minute.
"""

from __future__ import annotations

import argparse
import copy
import pickle
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, Simulator  # noqa: E402

NICTIZ = ROOT / "tests" / "fixtures" / "nictiz"
ODD = [None, "", " x ", 0, 1.5, True, [], {}, ["a"], {"a": 1}, [{}], "Patient/x", [None]]
ODD += [{"reference": "Practitioner/nope"}, {"coding": "x"}, {"coding": [1]}, "\x00"]

OUTCOMES = """
import datetime as dt, pickle, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import orjson
from summaries.fhir import parse_page
from summaries.fhir.model import Limits
from summaries.fhir.page import PageError
import summaries.fhir.page
assert summaries.fhir.page.__file__.startswith(sys.argv[1]), summaries.fhir.page.__file__
now = dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC)
out = {}
for path in sorted(Path(sys.argv[2]).glob("*.page")):
    for limits in (Limits(), Limits(max_depth=6)):
        try:
            r = parse_page(path.read_bytes(), now=now, limits=limits)
        except PageError as exc:
            o = ("PageError", str(exc))
        except Exception as exc:
            o = ("crash", type(exc).__name__, str(exc))
        else:
            o = (
                [(s.bsn, s.birth_date, s.summary.to_json(), s.source_bytes, s.source_version,
                  s.source_updated_at, s.keys, list(s.placement.items())) for s in r.summaries],
                [(q.reason, q.resource_type, q.resource_id, q.patient_bsn, q.payload, q.keys)
                 for q in r.quarantine],
                r.snapshot, r.next_url, r.total, r.fhir_version,
            )
        out[(path.name, limits.max_depth)] = o
pickle.dump(out, sys.stdout.buffer)
"""


def pages_of(sim: Simulator, count: int) -> list[bytes]:
    import httpx

    pages = []
    for practice in sim.practices():
        url = f"{practice['base_url']}/Patient?_count={count}"
        headers = {"Authorization": f"Bearer {practice['token']}"}
        while url:
            body = httpx.get(url, headers=headers, timeout=60).content
            pages.append(body)
            try:
                links = orjson.loads(body).get("link", [])
            except orjson.JSONDecodeError:
                break  # an XML page: the examples fit on one
            url = next((link["url"] for link in links if link["relation"] == "next"), None)
    return pages


def bend(resource: dict, rng: random.Random) -> None:
    """Replace or delete one value somewhere in the resource."""
    places = []

    def walk(node, path):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            places.append((*path, key))
            if isinstance(child, (dict, list)):
                walk(child, (*path, key))

    walk(resource, ())
    if not places:
        return
    path = rng.choice(places)
    parent = resource
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(ODD))


def build_corpus(directory: Path) -> int:
    sim = Simulator("--practices", "2", "--patients-per-practice", "150", "--seed", "5")
    try:
        plain = pages_of(sim, 50)
    finally:
        sim.stop()
    args = ["--practices", "0"]
    for name in ("Nictiz-R4-zib2020", "Nictiz-R4-MedicationProcess", "Nictiz-STU3-Zib2017"):
        args += ["--from-dir", str(NICTIZ / name)]
    sim = Simulator(*args)
    try:
        examples = pages_of(sim, 100)
    finally:
        sim.stop()
    rng = random.Random(7)
    bent = []
    for _ in range(20):
        for page in plain:
            bundle = orjson.loads(page)
            for entry in bundle["entry"]:
                if rng.random() < 0.25:
                    for _ in range(rng.randint(1, 3)):
                        bend(entry, rng)
            bent.append(orjson.dumps(bundle))
    for number, page in enumerate(plain + examples + bent):
        (directory / f"{number:04d}.page").write_bytes(page)
    return len(plain) + len(examples) + len(bent)


def outcomes(tree: Path, corpus: Path) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", OUTCOMES, str(tree), str(corpus)], capture_output=True, check=True
    )
    return pickle.loads(run.stdout)  # noqa: S301 (our own child process, our own corpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", nargs="?", default="HEAD", help="a git revision (HEAD)")
    parser.add_argument("--show", type=int, default=3, help="differences to print (3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, corpus = Path(tmp) / "base", Path(tmp) / "corpus"
        corpus.mkdir()
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            pages = build_corpus(corpus)
            before, after = outcomes(base, corpus), outcomes(ROOT, corpus)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)])
    crashes = sum(1 for o in after.values() if o[0] == "crash")
    differ = [key for key in before if before[key] != after.get(key)]
    print(f"{pages} pages, {len(before)} outcomes: {len(differ)} differ from {args.base}")
    print(f"crashes (anything but PageError): {crashes} now")
    for key in differ[: args.show]:
        print(f"== {key}\n  {args.base}: {str(before[key])[:600]}\n  now: {str(after[key])[:600]}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
