"""Where a lookup request's time goes, in-process (not a test, not the benchmark).

    .venv/bin/python bench/profile_pages.py [--size 100000] [--requests 300] [--profile summary]

Signs in nurses as bench/lookup.py does, on the same database (filled by it), and sends the
hello, search and summary requests through Django's test client, one after another: the median
wall time of each (which includes waiting for PostgreSQL and Redis), and with --profile the
functions that cost the most (cProfile, cumulative) for one of the three.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("hello", "search", "summary"))
    parser.add_argument("--sql", action="store_true", help="print each request's statements")
    args = parser.parse_args()

    from bench import lookup

    os.environ["BENCH_DATABASE_URL"] = lookup.database_url(args.size)
    os.environ.update({"TRIAGE_PATIENTS_PER_HOUR": "1000000000", "TRIAGE_ENCOUNTER_MINUTES": "600"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench.common import setup_django

    setup_django()
    # The pages link hashed stylesheets: collected as the lookup bench does, or every page
    # would answer 500 (Missing staticfiles manifest entry).
    lookup.collect_static(lookup.server_env(lookup.database_url(args.size)))
    from django.conf import settings
    from django.test import Client

    from summaries.models import Summary

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    bsn, birth_date = Summary.objects.order_by("?").values_list("bsn", "birth_date")[0]
    run = os.urandom(3).hex()
    key, _, _ = lookup.signed_in_session(f"profile-{run}")
    key2, _, membership2 = lookup.signed_in_session(f"profile-{run}-summary")
    encounter = lookup.consented_encounter(membership2, bsn, birth_date)

    searcher = Client(enforce_csrf_checks=False)
    searcher.cookies["sessionid"] = key
    reader = Client()
    reader.cookies["sessionid"] = key2
    requests = {
        "hello": lambda: searcher.get("/bench/hello/"),
        "search": lambda: searcher.post(
            "/triage/", {"bsn": bsn, "birth_date": birth_date.isoformat()}
        ),
        "summary": lambda: reader.get(f"/triage/{encounter}/samenvatting/"),
    }
    expected = {"hello": 200, "search": 302, "summary": 200}
    for name, send in requests.items():
        status = send().status_code
        if status != expected[name]:
            sys.exit(f"{name}: status {status}, expected {expected[name]}")

    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for name, send in requests.items():
            with CaptureQueriesContext(connection) as queries:
                send()
            print(f"{name}: {len(queries)} statements")
            for query in queries:
                print(f"  {query['sql'][:160]}")

    for name, send in requests.items():
        times, cpu_started = [], time.process_time()
        for _ in range(args.requests):
            started = time.perf_counter()
            send()
            times.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_started) / args.requests
        print(
            f"{name:8} median {statistics.median(times) * 1000:6.2f} ms wall, "
            f"mean {cpu * 1000:6.2f} ms CPU of this process"
        )

    if args.profile:
        # CPU time of this process: what throughput depends on (waits for PostgreSQL are not in it).
        profile = cProfile.Profile(time.process_time)
        send = requests[args.profile]
        profile.enable()
        for _ in range(args.requests):
            send()
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
