"""Ingest benchmark (issue 3): not a test; every figure is a ratio against a baseline
measured in the same run, or a rate with the sizes it was measured on.

    make bench-ingest            # or: .venv/bin/python bench/ingest.py [--small] [--parse-only]

1. parse + validate a page vs orjson.loads of the same bytes (and fhir.resources, R4B)
2. the store stage vs a raw COPY of the same rows into the same table and indexes
3. end to end: simulator over HTTP -> Celery worker (2 processes) -> PostgreSQL,
   at 10k and 100k summaries, the incremental refresh, and projections
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, Simulator, best_of, median, percentile, setup_django  # noqa: E402

NATIONAL_SUMMARIES = 14_600_000
NATIONAL_PRACTICES = 4_300


def fetch_pages(sim: Simulator, practices: int | None = None) -> list[bytes]:
    import httpx

    pages = []
    for entry in sim.practices()[:practices]:
        headers = {"Authorization": f"Bearer {entry['token']}"}
        url = f"{entry['base_url']}/Patient?_count=100"
        with httpx.Client(headers=headers, timeout=60) as client:
            while url:
                body = client.get(url).content
                pages.append(body)
                import orjson

                bundle = orjson.loads(body)
                url = next(
                    (link["url"] for link in bundle.get("link", []) if link["relation"] == "next"),
                    None,
                )
    return pages


def bench_parse(pages: list[bytes]) -> dict:
    import orjson
    from fhir.resources.R4B import get_fhir_model_class

    from summaries.fhir import parse_page

    now = dt.datetime.now(dt.UTC)
    t_loads = sum(best_of(5, lambda p=p: orjson.loads(p)) for p in pages)
    t_parse = sum(best_of(5, lambda p=p: parse_page(p, now=now)) for p in pages)

    def validate_all() -> None:
        for page in pages:
            for entry in orjson.loads(page)["entry"]:
                resource = entry["resource"]
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    t_models = best_of(1, validate_all)
    return {
        "pages": len(pages),
        "bytes": sum(map(len, pages)),
        "loads": t_loads,
        "parse": t_parse,
        "models": t_models,
    }


def bench_store(pages: list[bytes], rounds: int = 3) -> dict:
    from django.db import connection, transaction

    from summaries.fhir import parse_page
    from summaries.models import GpPractice
    from summaries.services.store import COLUMNS, _rows, summaries_store

    now = dt.datetime.now(dt.UTC)
    batches = [parse_page(p, now=now).summaries for p in pages]
    practice = GpPractice.objects.get_or_create(
        agb="09999999", defaults={"name": "bench", "fhir_base_url": "http://x/", "token": "t"}
    )[0]

    def truncate() -> None:
        with connection.cursor() as cursor:
            # CASCADE: the (empty, here) encounters of triage refer to summaries.
            cursor.execute("TRUNCATE summaries_summary CASCADE")

    def store() -> None:
        for batch in batches:
            summaries_store(practice=practice, items=batch, fetched_at=now)

    def raw_copy() -> None:
        columns = ", ".join((*COLUMNS, "practice_id", "fetched_at"))
        for batch in batches:
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.copy(f"COPY summaries_summary ({columns}) FROM STDIN") as copy:
                    for row in _rows(batch):
                        copy.write_row((*row, practice.pk, now))

    t_store, t_copy = [], []
    for _ in range(rounds):  # alternate, so drift hits both alike
        truncate()
        start = time.perf_counter()
        store()
        t_store.append(time.perf_counter() - start)
        truncate()
        start = time.perf_counter()
        raw_copy()
        t_copy.append(time.perf_counter() - start)
    truncate()
    return {"rows": sum(map(len, batches)), "store": median(t_store), "copy": median(t_copy)}


def _reset_pipeline_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE summaries_summary, summaries_quarantineditem, summaries_gppractice CASCADE"
        )


def _register(sim: Simulator) -> list[int]:
    from audit.actors import Actor
    from summaries.services.practices import practices_register

    return [p.pk for p in practices_register(listing=sim.practices(), actor=Actor.system("bench"))]


def _run_pulls(practice_ids: list[int], queue: str) -> float:
    """Enqueue one pull task per practice; wait until every one has finished."""
    from summaries.models import GpPractice
    from summaries.tasks import pull_practice_task

    before = {pk: GpPractice.objects.get(pk=pk).last_success_at for pk in practice_ids}
    start = time.perf_counter()
    for pk in practice_ids:
        pull_practice_task.apply_async(args=[pk], queue=queue)
    while True:
        done = sum(
            1
            for pk, last in GpPractice.objects.filter(pk__in=practice_ids).values_list(
                "pk", "last_success_at"
            )
            if last and last != before[pk]
        )
        if done == len(practice_ids):
            return time.perf_counter() - start
        time.sleep(0.05)


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time of one process (user + system), or of the whole machine (all cores)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is None:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # not idle, iowait
        return busy / ticks
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def bench_end_to_end(total: int, per_practice: int, worker_concurrency: int) -> dict:

    from summaries.models import Summary

    _reset_pipeline_tables()
    sim = Simulator(
        "--practices",
        str(total // per_practice),
        "--patients-per-practice",
        str(per_practice),
        "--seed",
        "11",
        "--page-size",
        "100",
        "--cache-mb",
        str(max(256, total // 40)),
    )
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "--quiet",
            "-A",
            "portal",
            "worker",
            "--queues",
            queue,
            "--concurrency",
            str(worker_concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "SUMMARY_PAGE_SIZE": "100"},
    )
    try:
        time.sleep(3)  # let the worker connect
        practice_ids = _register(sim)
        # Warm the simulator's cache is NOT done: generating is part of a GP system's cost.
        cpu_all, cpu_sim = _cpu_seconds(), _cpu_seconds(sim.process.pid)
        t_initial = _run_pulls(practice_ids, queue)
        cpu_all, cpu_sim = _cpu_seconds() - cpu_all, _cpu_seconds(sim.process.pid) - cpu_sim
        stored = Summary.objects.count()
        sizes = list(Summary.objects.values_list("size_bytes", flat=True))
        t_nothing = _run_pulls(practice_ids, queue)  # incremental, nothing changed
        touched = sim.touch(fraction=0.03)
        t_changed = _run_pulls(practice_ids, queue)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        sim.stop()
    return {
        "total": total,
        "stored": stored,
        "practices": len(practice_ids),
        "per_practice": per_practice,
        "concurrency": worker_concurrency,
        "initial": t_initial,
        "nothing": t_nothing,
        "changed": t_changed,
        "touched": touched,
        "median_bytes": median(sizes),
        "p95_bytes": percentile(sizes, 95),
        "cpu_all": cpu_all,
        "cpu_simulator": cpu_sim,
    }


def parse_report(parse: dict) -> list[str]:
    lines = []
    add = lines.append
    add("### Parse + validate vs orjson.loads (same bytes)")
    add("")
    add(
        f"{parse['pages']} pages of 100 summaries, {parse['bytes'] / 1e6:.1f} MB in all "
        f"(best of 5 per page):"
    )
    add("")
    add("| step | time | ratio to orjson.loads | goal |")
    add("|---|---:|---:|---|")
    add(f"| orjson.loads | {parse['loads'] * 1000:.0f} ms | 1.00× | baseline |")
    add(
        f"| `summaries.fhir.parse_page` (parse, validate, build the typed summary) | "
        f"{parse['parse'] * 1000:.0f} ms | {parse['parse'] / parse['loads']:.2f}× | ≤ 3× |"
    )
    add(
        f"| orjson.loads + fhir.resources R4B `model_validate` of every resource (reference) | "
        f"{parse['models'] * 1000:.0f} ms | {parse['models'] / parse['loads']:.1f}× | — |"
    )
    return lines


def report(parse: dict, store: dict, runs: list[dict]) -> str:
    lines = parse_report(parse)
    add = lines.append
    add("")
    add("### Store stage vs raw COPY (same rows, same table and indexes)")
    add("")
    add(
        f"{store['rows']:,} summaries in batches of one page (100), each batch in its own "
        "transaction, median of 3 alternating rounds:"
    )
    add("")
    add("| step | time | rows/s | ratio (COPY time / store time) | goal |")
    add("|---|---:|---:|---:|---|")
    add(
        f"| raw `COPY summaries_summary` | {store['copy']:.2f} s | "
        f"{store['rows'] / store['copy']:,.0f} | 1.00× | baseline |"
    )
    add(
        f"| `summaries_store` (COPY to stage + INSERT … ON CONFLICT … WHERE changed) | "
        f"{store['store']:.2f} s | {store['rows'] / store['store']:,.0f} | "
        f"{store['copy'] / store['store']:.2f}× | ≥ 0.5× |"
    )
    add("")
    add("### End to end: simulator over HTTP → Celery worker → PostgreSQL")
    add("")
    add(
        "| summaries | practices | worker processes | initial load | summaries/s | µs per summary "
        "| CPU s: simulator / everything else | median / p95 summary size |"
    )
    add("|---:|---:|---:|---:|---:|---:|---|---|")
    for run in runs:
        rate = run["stored"] / run["initial"]
        rest = run["cpu_all"] - run["cpu_simulator"]
        add(
            f"| {run['stored']:,} | {run['practices']} × {run['per_practice']:,} | "
            f"{run['concurrency']} | {run['initial']:.1f} s | {rate:,.0f} | {1e6 / rate:,.0f} | "
            f"{run['cpu_simulator']:.0f} / {rest:.0f} | "
            f"{run['median_bytes'] / 1024:.1f} KB / {run['p95_bytes'] / 1024:.1f} KB |"
        )
    add("")
    big = max(runs, key=lambda r: (r["stored"], r["concurrency"]))
    small = min(
        (r for r in runs if r["concurrency"] == big["concurrency"]), key=lambda r: r["stored"]
    )
    flat = (big["initial"] / big["stored"]) / (small["initial"] / small["stored"])
    rate = big["stored"] / big["initial"]
    per_practice_idle = big["nothing"] / big["practices"] * big["concurrency"]
    changed_cost = max(big["changed"] - big["nothing"], 0.0) / big["touched"] * big["concurrency"]
    daily_changed = 0.03 * NATIONAL_SUMMARIES
    daily = (NATIONAL_PRACTICES * per_practice_idle + daily_changed * changed_cost) / big[
        "concurrency"
    ]
    add(
        f"- Cost per summary at {big['stored']:,} vs {small['stored']:,} summaries: "
        f"**{flat:.2f}×** (1.00 = flat)."
    )
    add(
        f"- Incremental refresh of all {big['practices']} practices with nothing changed: "
        f"{big['nothing']:.1f} s ({per_practice_idle * 1000:.0f} ms of one worker per practice); "
        f"with 3% changed ({big['touched']:,} summaries): {big['changed']:.1f} s."
    )
    add(
        f"- **Projection, initial load of {NATIONAL_SUMMARIES / 1e6:.1f} million summaries** on "
        f"this 2-core machine at {rate:,.0f}/s: **{NATIONAL_SUMMARIES / rate / 3600:.1f} hours** "
        "(goal ≤ 4 h, stretch ≤ 1 h)."
    )
    portal_rate = big["stored"] / (big["cpu_all"] - big["cpu_simulator"]) * 2
    add(
        f"- The simulator (the GP systems' side, remote in production) used "
        f"{big['cpu_simulator'] / big['cpu_all']:.0%} of the CPU time of that run. With both "
        f"cores for the portal alone (worker, PostgreSQL, Redis): about {portal_rate:,.0f} "
        f"summaries/s, **{NATIONAL_SUMMARIES / portal_rate / 3600:.1f} hours** "
        "for the initial load."
    )
    add(
        f"- **Projection, daily refresh** ({NATIONAL_PRACTICES:,} practices asked for changes, "
        f"3% = {daily_changed / 1e6:.2f} million changed): **{daily / 60:.1f} minutes** "
        "(goal ≤ 10 min)."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a quick run (2k / 10k)")
    parser.add_argument(
        "--parse-only", action="store_true", help="only parse + validate vs orjson.loads"
    )
    args = parser.parse_args()
    setup_django()

    pages_sim = Simulator(
        "--practices",
        "1",
        "--patients-per-practice",
        "2000" if args.small or args.parse_only else "10000",
        "--seed",
        "5",
        "--page-size",
        "100",
        "--cache-mb",
        "1024",
    )
    try:
        pages = fetch_pages(pages_sim)
    finally:
        pages_sim.stop()
    print(f"fetched {len(pages)} pages", file=sys.stderr)
    parse = bench_parse(pages[:20])
    print("parse done", file=sys.stderr)
    if args.parse_only:
        print("\n".join(parse_report(parse)))
        return
    store = bench_store(pages)
    print("store done", file=sys.stderr)
    sizes = (
        [(2_000, 1_000, 2), (10_000, 2_000, 2)]
        if args.small
        else [(10_000, 2_000, 1), (10_000, 2_000, 2), (100_000, 2_000, 2)]
    )
    runs = []
    for total, per_practice, concurrency in sizes:
        runs.append(bench_end_to_end(total, per_practice, concurrency))
        print(f"end to end {total} x{concurrency} done", file=sys.stderr)
    print(report(parse, store, runs))


if __name__ == "__main__":
    main()
