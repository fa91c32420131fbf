"""Shared set-up for the benchmarks: a PostgreSQL database of their own, Django, the simulator."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from simulator.process import SimulatorProcess  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def setup_django() -> None:
    """Point Django at the benchmark database (created if missing), migrated."""
    # Always a benchmark database, never one a shell happens to point DATABASE_URL at: the
    # benchmarks empty tables.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    if not name.startswith(("spoedinzage_bench", "spoedinzage_lookup")):
        sys.exit(f"refusing to run against database {name!r}: not a benchmark database")
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    # A fixed Fernet key: the benchmarks' practice tokens are encrypted like production's.
    os.environ.setdefault("PRACTICE_TOKEN_KEYS", "YmVuY2gtb25seS1wcmFjdGljZS10b2tlbi1rZXktMDA=")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# The simulator in its own process, as the tests and the demo start it.
Simulator = SimulatorProcess


def best_of(runs: int, func) -> float:
    """Fastest of a few runs: the least disturbed by a noisy machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)
