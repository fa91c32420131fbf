"""Where a batch of registrations spends its time, in-process: the batch view through
Django's test client (the same middleware, parser, services and SQL as over HTTP, without
gunicorn), timed, and with --profile a cProfile of one batch. Not a test.

    .venv/bin/python bench/profile_batch.py [--batches 5] [--profile] [--sort tottime]

Uses bench/registry.py's database (run that first: it holds the practice); each run enrols
fresh patients after the ones there.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import cpu_seconds, setup_django  # noqa: E402
from bench.registry import (  # noqa: E402
    BATCH_PATH,
    BATCH_ROWS,
    DEFAULT_DATABASE_URL,
    PRACTICE_AGB,
    batch_make,
    batch_rows,
    check_batch_answer,
    patients_enrol,
    patients_make,
)


def what_if_patched() -> None:
    """Changes proposed for files outside audit/ and registry/batch (docs/performance.md),
    patched into this process only, to measure what they would buy."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    import audit.identifiers
    import registry.api.rows
    import registry.batch
    from audit.bulk import collection_paused
    from registry.api.views import RegistrationBatchView
    from summaries.models import Enrolment, Summary

    def refetch_request(bsns):  # summaries.services.refetch, `bsn__any_of` for `bsn__in`
        if not bsns:
            return 0
        return (
            Enrolment.objects.filter(bsn__any_of=bsns)
            .exclude(Exists(Summary.objects.filter(bsn=OuterRef("bsn"))))
            .update(refetch_requested_at=timezone.now())
        )

    registry.batch.refetch_request = refetch_request
    nine = audit.identifiers._NINE_DIGITS

    def bsn_is_valid(value):  # the same 11-test on the digits' bytes
        if not isinstance(value, str) or not nine.fullmatch(value):
            return False
        d = value.encode()
        total = 9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6]
        return (total + 2 * d[7] - d[8] - 43 * 48) % 11 == 0 and value != "000000000"

    audit.identifiers.bsn_is_valid = bsn_is_valid
    registry.api.rows.bsn_is_valid = bsn_is_valid
    RegistrationBatchView.post = collection_paused()(RegistrationBatchView.post)


def statements_timed(send, batch) -> None:
    """One more batch (of the same rows: answered from the idempotency key would be no
    test, so the last batch is sent under its key only here), each statement's wall time
    (the COPYs go to psycopg directly and are not among them)."""
    from django.db import connection

    timings: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, " ".join(sql.split())[:150]))

    with connection.execute_wrapper(timer):
        start = time.perf_counter()
        send(batch)
        total = time.perf_counter() - start
    print(f"statements of one batch ({total * 1000:.0f} ms in all):")
    for seconds, sql in timings:
        print(f"  {seconds * 1000:7.1f} ms  {sql}")
    print(f"  {sum(s for s, _ in timings) * 1000:7.1f} ms  in {len(timings)} statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--gc", choices=("on", "freeze", "off"), default="on")
    parser.add_argument("--sql", action="store_true", help="time each statement of a batch")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="measure with changes to code this bench does not own, patched in for the run "
        "(what_if_patched): the refetch marks by one array, the collector paused for the whole "
        "request, a quicker 11-test",
    )
    args = parser.parse_args()
    os.environ["BENCH_DATABASE_URL"] = os.environ.get(
        "BENCH_REGISTRY_DATABASE_URL", DEFAULT_DATABASE_URL
    )
    os.environ.setdefault("API_RATE_BATCH", "100000/minute")
    setup_django()
    from django.conf import settings
    from django.test import Client

    from registry.models import PracticeAPIKey
    from summaries.models import Enrolment, GpPractice

    settings.ALLOWED_HOSTS = ["*"]
    if args.what_if:
        what_if_patched()
    practice = GpPractice.objects.get(agb=PRACTICE_AGB)
    _obj, key = PracticeAPIKey.objects.create_key(name="profile", practice=practice)
    last = int(Enrolment.objects.order_by("-bsn").values_list("bsn", flat=True).first())
    rng = random.Random(last)
    patients = patients_make((args.batches + 1 + args.sql) * BATCH_ROWS, rng, last + 1)
    patients_enrol(practice, patients)
    batches = [
        batch_make(batch_rows(patients[i : i + BATCH_ROWS], rng))
        for i in range(0, len(patients), BATCH_ROWS)
    ]
    client = Client()

    def send(batch) -> None:
        response = client.post(
            BATCH_PATH,
            batch.body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Api-Key {key}",
            HTTP_IDEMPOTENCY_KEY=batch.key,
        )
        check_batch_answer(batch, response.status_code, response.content)

    send(batches[0])  # warm-up
    if args.gc == "freeze":
        gc.collect()
        gc.freeze()
    elif args.gc == "off":
        gc.disable()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    times = []
    timed_batches = batches[1:-1] if args.sql else batches[1:]
    for batch in timed_batches:
        if args.profile and not times:
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.runcall(send, batch)
            print(f"profiled batch: {time.perf_counter() - start:.3f} s (under cProfile)")
            times.append(None)
            continue
        start = time.perf_counter()
        cpu = time.process_time()
        pg_cpu = cpu_seconds(backend)
        send(batch)
        times.append(
            (
                time.perf_counter() - start,
                time.process_time() - cpu,
                cpu_seconds(backend) - pg_cpu,
            )
        )
    if args.sql:
        statements_timed(send, batches[-1])
    for measured in times:
        if measured:
            wall, cpu, pg_cpu = measured
            print(
                f"batch of {BATCH_ROWS:,}: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU of "
                f"this process, {pg_cpu * 1000:.0f} ms CPU of its PostgreSQL backend, "
                f"{BATCH_ROWS / wall:,.0f} registrations/s"
            )
    if args.profile:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
