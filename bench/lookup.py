"""Lookup benchmark (issue 5): not a test. gunicorn with production settings, PostgreSQL with
N patients with full summaries; the search request and the summary page of a consented
patient, each against a hello-world view behind the same middleware stack, in one run.

    make bench-lookup          # or: .venv/bin/python bench/lookup.py [--sizes 100000,1000000]

Needs `wrk` (Debian: apt-get install wrk).

A figure measured on error pages is worse than none: every request kind is checked (status,
redirect target, the patient on the summary page) before and after each wrk run, wrk's count
of non-2xx/3xx answers and socket errors must be zero, and otherwise the bench exits non-zero
naming the request and what it answered, without printing a table.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (  # noqa: E402
    ROOT,
    BenchFailure,
    Request,
    Server,
    Simulator,
    check_response,
    check_wrk,
    cpu_by_group,
    cpu_per_request,
    create_database,
    fetch,
    gunicorn_env,
    parse_wrk,
    setup_django,
    signed_in_session_key,
    start_gunicorn,
    stop_gunicorn,
    wait_until_listening,
    wrk,
)

DURATION = "10s"
THREADS = 2
ROUNDS = 3  # each figure is the median of three interleaved rounds
CONNECTIONS = 8
KINDS = ("hello", "search", "summary")
# A found patient is sent on to the consent question of a new encounter; a redirect anywhere
# else (the login page, the second factor) would also count as a 3xx success in wrk's figures.
CONSENT_PAGE = r"/triage/[0-9a-f-]{36}/toestemming/"
# BSN from a number: 8 digits, then the check digit that makes the 11-test pass
# (numbers whose check digit would be 10 are skipped by the caller).
BSN_SQL = """
WITH n AS (SELECT i, lpad((%(base)s + i)::text, 8, '0') AS p FROM generate_series(0, %(count)s - 1) i),
d AS (SELECT i, p, (substr(p,1,1)::int*9 + substr(p,2,1)::int*8 + substr(p,3,1)::int*7
      + substr(p,4,1)::int*6 + substr(p,5,1)::int*5 + substr(p,6,1)::int*4
      + substr(p,7,1)::int*3 + substr(p,8,1)::int*2) %% 11 AS c FROM n)
INSERT INTO summaries_summary (bsn, birth_date, practice_id, source_version, source_updated_at,
    fetched_at, fhir_version, sections, source, size_bytes)
SELECT d.p || d.c::text, t.birth_date, t.practice_id, t.source_version, t.source_updated_at,
    t.fetched_at, t.fhir_version, t.sections, t.source, t.size_bytes
FROM d JOIN template t ON t.k = d.i %% (SELECT count(*) FROM template)
WHERE d.c < 10
ON CONFLICT (bsn) DO NOTHING
"""


@dataclass
class Target:
    """One database size: its requests, and its gunicorn once started."""

    size: int
    patients: int
    database_url: str
    requests: dict[str, list[Request]] = field(default_factory=dict)
    server: Server | None = None


# --- The databases -------------------------------------------------------------------------


def database_url(size: int) -> str:
    """A database per size, filled once and kept: later runs start at once."""
    base = os.environ.get(
        "BENCH_LOOKUP_DATABASE_URL",
        "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_lookup",
    )
    return f"{base}_{size}"


def use_database(size: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    url = database_url(size)
    create_database(url)
    os.environ["DATABASE_URL"] = url  # the same for anything started from this environment
    connection.close()
    connection.settings_dict["NAME"] = urlsplit(url).path.lstrip("/")
    call_command("migrate", verbosity=0)


def fill(target: int) -> int:
    """Grow summaries_summary to `target` rows: real summaries pulled from the simulator
    once, then copied under new BSNs in SQL (fast, and the same sizes)."""
    from django.db import connection

    from bench.ingest import _register
    from summaries.models import Summary

    if Summary.objects.count() == 0:
        sim = Simulator("--practices", "2", "--patients-per-practice", "1000", "--seed", "21")
        try:
            from summaries.models import GpPractice
            from summaries.services.pull import practice_pull

            for pk in _register(sim):
                practice_pull(practice=GpPractice.objects.get(pk=pk))
        finally:
            sim.stop()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS template")
        cursor.execute(
            "CREATE TEMP TABLE template AS SELECT row_number() OVER (ORDER BY bsn) - 1 AS k, * "
            "FROM summaries_summary ORDER BY bsn LIMIT 2000"
        )
        base = 10_000_000
        while (have := Summary.objects.count()) < target:
            count = min(200_000, int((target - have) * 1.12) + 10)
            cursor.execute(BSN_SQL, {"base": base, "count": count})
            base += count
            print(f"  summaries: {Summary.objects.count():,}", file=sys.stderr)
        cursor.execute("ANALYZE summaries_summary")
    return Summary.objects.count()


# --- The nurses and their requests ---------------------------------------------------------


def signed_in_session(username: str) -> tuple[str, str, object]:
    """A session as after password + TOTP login, for a nurse at a HAP; and a CSRF secret."""

    from portal.access import SESSION_MEMBERSHIP
    from portal.models import Membership, Organisation, Role, User

    hap, _ = Organisation.objects.get_or_create(
        ura="90990001", defaults={"kind": "hap", "name": "Bench HAP"}
    )
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Bench"})
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=hap, defaults={"role": Role.TRIAGE, "uzi_role_code": "30.000"}
    )
    key = signed_in_session_key(user, **{SESSION_MEMBERSHIP: membership.pk})
    return key, secrets.token_hex(16), membership


def consented_encounter(membership, bsn: str, birth_date) -> str:
    from django.utils import timezone

    from audit.actors import Actor
    from consent.models import Answer, Decision, Scope, Source
    from consent.services import consent_register
    from triage.point_of_care import point_of_care_record
    from triage.search import patient_search

    consent_register(
        patient_bsn=bsn,
        scope=Scope.BOTH,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=Actor.system("bench"),
    )
    result = patient_search(
        membership=membership, bsn=bsn, birth_date=birth_date, now=timezone.now()
    )
    point_of_care_record(
        membership=membership,
        encounter=result.encounter,
        answer=Answer.AGREES,
        now=timezone.now(),
    )
    return str(result.encounter.public_id)


def nurse_requests(users: int) -> dict[str, list[Request]]:
    """hello, search and summary for `users` signed-in nurses of the current database, each
    nurse with a patient of their own (a random one of the database's). Many users, as at a
    real HAP at night: one user searching a thousand times in ten seconds would measure the
    throttle's history."""
    from summaries.models import Summary

    patients = Summary.objects.order_by("?").values_list(
        "bsn", "birth_date", "sections__patient__name"
    )[:users]
    requests: dict[str, list[Request]] = {kind: [] for kind in KINDS}
    run = secrets.token_hex(3)  # fresh users each run: no throttle history from the last one
    for n, (bsn, birth_date, name) in enumerate(patients):
        key, csrf, _ = signed_in_session(f"bench-{run}-{n}")
        cookie = f"sessionid={key}; csrftoken={csrf}"
        requests["hello"].append(Request("hello", "/bench/hello/", cookie, text="hello"))
        requests["search"].append(
            Request(
                "search",
                "/triage/",
                cookie,
                body=f"bsn={bsn}&birth_date={birth_date.isoformat()}",
                csrf=csrf,
                status=302,
                location=CONSENT_PAGE,
            )
        )
        # The summary by a second session of the same nurse: a search would end its encounter.
        key2, csrf2, membership2 = signed_in_session(f"bench-{run}-{n}-summary")
        encounter = consented_encounter(membership2, bsn, birth_date)
        # With the CSRF cookie, as a browser sends it back after its first page: without
        # it every page would make a new secret and set the cookie again. The copies share
        # their template's sections, so the header shows the name the row holds.
        requests["summary"].append(
            Request(
                "summary",
                f"/triage/{encounter}/samenvatting/",
                f"sessionid={key2}; csrftoken={csrf2}",
                text=html.escape(name),
            )
        )
    return requests


# --- gunicorn, and what it answers ---------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    """The environment of gunicorn, and of the collectstatic that prepares its files."""
    return gunicorn_env(
        database_url, TRIAGE_PATIENTS_PER_HOUR="1000000000", TRIAGE_ENCOUNTER_MINUTES="600"
    )


def collect_static(env: dict[str, str]) -> None:
    """Every page links hashed stylesheets: without a manifest in the STATIC_ROOT that
    gunicorn reads (bench/settings.py), each page answers 500 (`Missing staticfiles manifest
    entry`). Collected at every start, so the pages link the stylesheets of the code run."""
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def probe(target: Target, kind: str) -> None:
    """One request of `kind`, by a nurse picked at random, checked."""
    request = random.choice(target.requests[kind])  # noqa: S311 (not a secret)
    check_response(request, *fetch(target.server.base_url, request))


# --- The measurement ------------------------------------------------------------------------


def checked_run(target: Target, kind: str, label: str) -> dict:
    """One wrk run of `kind`, with a checked request of that kind just before and after:
    wrk counts a redirect to the login page as a success, the probes do not."""
    probe(target, kind)
    cpu_before = cpu_by_group()
    out = wrk(target.server.base_url, target.requests[kind], THREADS, CONNECTIONS, DURATION)
    result = parse_wrk(out)
    # Where the run's CPU went, a request: the page's process, PostgreSQL, Redis, wrk.
    result["cpu"] = cpu_per_request(cpu_before, cpu_by_group(), result["requests"])
    check_wrk(label, result)
    probe(target, kind)
    print(f"{label}: p50 {result['p50']:.2f} ms, {result['rps']:,.0f}/s", file=sys.stderr)
    return result


def interleaved_rounds(targets: list[Target]) -> dict[int, dict[str, list[dict]]]:
    """Per size and kind, one wrk result per round. A gunicorn per size, started together;
    each round runs hello, search and summary on each size in turn, so a disturbance of this
    shared machine (hello's own rate once differed 1.8× between sizes measured minutes
    apart) hits sizes and kinds alike."""
    for target in targets:
        name = f"{target.patients:,} patients"
        target.server = start_gunicorn(name, "bench.wsgi", server_env(target.database_url))
    try:
        for target in targets:
            wait_until_listening(target.server)
            for kind in KINDS:  # warm-up: each worker imports and connects on first use
                probe(target, kind)
        runs = {t.patients: {kind: [] for kind in KINDS} for t in targets}
        for n in range(1, ROUNDS + 1):
            for target in targets:
                for kind in KINDS:
                    label = f"round {n}/{ROUNDS}, {target.patients:,} patients, {kind}"
                    runs[target.patients][kind].append(checked_run(target, kind, label))
        return runs
    finally:
        for target in targets:
            if target.server:
                stop_gunicorn(target.server)


def _median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def size_ratio(small: list[dict], big: list[dict]) -> float:
    """The big size's p50 over the small size's, per round (measured seconds apart), then
    the median of those ratios."""
    return statistics.median(b["p50"] / s["p50"] for s, b in zip(small, big, strict=True))


def report(runs: dict[int, dict[str, list[dict]]], users: int) -> str:
    lines = [
        "| patients | request | p50 | p99 | requests/s | p50 ratio | p99 ratio | throughput ratio | non-2xx/3xx |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for patients, kinds in runs.items():
        medians = {kind: _median_of(results) for kind, results in kinds.items()}
        h = medians["hello"]
        for kind in KINDS:
            r = medians[kind]
            errors = sum(result["errors"] for result in kinds[kind])
            lines.append(
                f"| {patients:,} | {kind} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['rps']:,.0f} | "
                f"{r['p50'] / h['p50']:.2f}× | {r['p99'] / h['p99']:.2f}× | {r['rps'] / h['rps']:.2f}× | {errors} |"
            )
    sizes = list(runs)
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        lines.append("")
        for kind in KINDS:
            goal = " (hello: the two servers alike, ≈ 1)" if kind == "hello" else " (goal ≤ 1.2×)"
            ratio = size_ratio(runs[small][kind], runs[big][kind])
            lines.append(
                f"- {kind}: p50 at {big:,} / p50 at {small:,} patients, median of the "
                f"{ROUNDS} rounds' ratios = **{ratio:.2f}×**{goal}"
            )
    lines.append("")
    lines.append(
        "Goals (issue 12): p50 ≤ 4× hello, p99 ≤ 10× hello, throughput ≥ 0.25× hello. "
        f"wrk: {THREADS} threads, {CONNECTIONS} connections, {DURATION} per request and round, median of "
        f"{ROUNDS} interleaved rounds (hello, search, summary on each size in turn), "
        f"{users} signed-in nurses taking turns, each with a patient of their own; gunicorn: "
        "4 sync workers per size, production settings (DEBUG off)."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    # 500: each nurse then searches ~25 times in the run's half minute, about what a nurse
    # does in an hour (the throttle allows 30 patients an hour). With 50, each searched
    # ~250 times, and every search counted that unreal history (docs/performance.md).
    parser.add_argument("--users", type=int, default=500, help="signed-in nurses taking turns")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ["BENCH_DATABASE_URL"] = database_url(sizes[0])
    setup_django()
    collect_static(server_env(database_url(sizes[0])))
    targets = []
    for size in sizes:
        use_database(size)
        target = Target(size, fill(size), database_url(size))
        target.requests = nurse_requests(args.users)
        print(f"prepared {args.users} nurses at {target.patients:,} patients", file=sys.stderr)
        targets.append(target)
    try:
        runs = interleaved_rounds(targets)
    except BenchFailure as failure:
        sys.exit(f"bench/lookup.py: no figures, a request failed: {failure}")
    print(report(runs, args.users))


if __name__ == "__main__":
    main()
