"""bench/audit.py: how fast the ledger's chain is verified, against plain hashlib.sha256 over the
same bytes in the same run (issue 16). Not a test. The verification part of issue 16's
benchmark; the patient's page is measured by bench/oversight.py (page (e)), the reports by
bench/reports.py.

    .venv/bin/python bench/audit.py [--size 1m|10m] [--baseline-events N]

Reads a ledger that bench/oversight.py generated (`spoedinzage_bench_oversight_<size>`:
`.venv/bin/python bench/oversight.py --sizes 1m --only ledger` makes the 1M one in about
3 minutes) and changes nothing in it.

- (a) `audit.verification.ledger_verify` (what `manage.py audit_verify [--processes N]`
  runs) over the whole ledger, with 1 and with 2 processes: events per second, and whether
  it found the chain intact.
- (b) the baseline: the canonical bytes of the first `--baseline-events` events
  (audit.chain.canonical_bytes, built beforehand, not timed) hashed with hashlib.sha256:
  events per second of hashing alone, best of 3.
- (a)/(b) (goal ≥ 0.1×) and the projection for 100 million events at (a) (goal ≤ 20
  minutes; issue 16 allows several processes for it).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench_oversight_{}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", choices=("1m", "10m"))
    parser.add_argument("--baseline-events", type=int, default=200_000)
    parser.add_argument(
        "--processes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="the verification's processes, one run each (default 1,2)",
    )
    args = parser.parse_args()
    os.environ["BENCH_DATABASE_URL"] = DATABASE_URL.format(args.size)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    from bench.common import setup_django

    setup_django()
    from audit.chain import HASHED_FIELDS, canonical_bytes
    from audit.models import AccessEvent
    from audit.verification import ledger_verify

    total = AccessEvent.objects.count()
    if total == 0:
        sys.exit(f"the {args.size} ledger is empty: run bench/oversight.py --sizes {args.size}")
    rows = AccessEvent.objects.order_by("seq").values(*HASHED_FIELDS)[: args.baseline_events]
    payloads = [canonical_bytes(row) for row in rows.iterator(chunk_size=10_000)]
    size = sum(map(len, payloads))
    hashing = []
    for _ in range(3):
        start = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        hashing.append(time.perf_counter() - start)
    baseline = len(payloads) / min(hashing)

    print(
        "| ledger | events | processes | (a) ledger_verify | (b) hashlib.sha256, same bytes | "
        "(a)/(b) | 100 million at (a) |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for processes in args.processes:
        start = time.perf_counter()
        result = ledger_verify(processes=processes)
        took = time.perf_counter() - start
        rate = result.checked / took
        print(
            f"| {args.size} | {total:,} | {processes} | {rate:,.0f} events/s ({took:.1f} s, "
            f"{'intact' if result.intact else 'BROKEN: ' + str(result.first_break)}) | "
            f"{baseline:,.0f} events/s ({len(payloads):,} events, "
            f"{size / len(payloads):.0f} bytes each, best of 3) | **{rate / baseline:.3f}×** | "
            f"{100e6 / rate / 60:.0f} min |",
            flush=True,
        )


if __name__ == "__main__":
    main()
