"""Registry benchmark (issue 13): not a test. In one run, on a PostgreSQL database of its own
(dropped and created again at every start, so the ledger verified at the end is the run's):

(a) registrations per second through the batch API (POST /api/v1/registrations/batch) over
    real HTTP against gunicorn with production settings: batches of 5,000 rows (mostly
    consent, ~10% refusal, some blank) for patients enrolled with the calling practice, an
    API key issued by the model's manager, a fresh Idempotency-Key per batch; best of three
    rounds (--api-rounds), each for patients of its own, as the baseline is best of three;
(b) the baseline: a raw COPY of the same rows the API wrote — the registrations and their
    consent_registration ledger events, read back with COPY TO — into identical scratch
    tables (CREATE TABLE … LIKE … INCLUDING ALL: the same columns, defaults, constraints and
    indexes), best of three;
(c) the GP's patient page (/registratie/patient/) against the hello view, with wrk.

    make bench-registry        # or: .venv/bin/python bench/registry.py [--batches 20]

A figure measured on failures is worthless: every batch's answer is checked (201, the count,
one id per row), and afterwards the number of registrations and consent_registration events
must equal what was sent, every refusing patient's summary must be gone, and the ledger must
verify (audit.verification.ledger_verify, what `manage.py audit_verify` runs). The page runs
are checked like bench/lookup.py's. Otherwise the bench exits non-zero without figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import itertools
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (  # noqa: E402
    BenchFailure,
    Request,
    check_response,
    check_wrk,
    fetch,
    gunicorn_env,
    parse_wrk,
    recreate_database,
    setup_django,
    signed_in_session_key,
    start_gunicorn,
    stop_gunicorn,
    wait_until_listening,
    wrk,
)

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench_registry"
BATCH_PATH = "/api/v1/registrations/batch"
PAGE_PATH = "/registratie/patient/"
HELLO_PATH = "/bench/hello/"
BATCH_ROWS = 5_000
WARMUP_ROWS = 200  # per gunicorn worker, before the clock starts (imports, connections)
SUMMARY_SHARE = 0.3  # of the patients have a stored summary (a refusal purges it)
GOAL_RATIO = 0.25
GOAL_HOURS = 2.0
GOAL_PAGE = 4.0
PROJECTED = 8_000_000
PRACTICE_AGB = "01990001"

# wrk for the page (as bench/lookup.py)
DURATION = "10s"
THREADS = 2
CONNECTIONS = 8
ROUNDS = 3


# --- The patients ----------------------------------------------------------------------------


def bsn_numbers(count: int, start: int = 100_000_000) -> list[str]:
    """`count` distinct BSNs that pass the 11-test."""
    from audit.identifiers import bsn_is_valid

    found = (f"{n:09d}" for n in itertools.count(start))
    return list(itertools.islice((b for b in found if bsn_is_valid(b)), count))


@dataclass(frozen=True)
class Patient:
    bsn: str
    birth_date: dt.date
    has_summary: bool


def patients_make(count: int, rng: random.Random, first_bsn: int = 100_000_000) -> list[Patient]:
    start = dt.date(1930, 1, 1).toordinal()
    return [
        Patient(
            bsn,
            dt.date.fromordinal(start + rng.randrange(30_000)),
            rng.random() < SUMMARY_SHARE,
        )
        for bsn in bsn_numbers(count, first_bsn)
    ]


def practice_prepare(patients: list[Patient]):
    """The practice, its API key (issued by the model's manager, as the admin does), and its
    patients' enrolments and some summaries (patients_enrol)."""
    from registry.models import PracticeAPIKey
    from summaries.models import GpPractice

    practice = GpPractice.objects.create(
        agb=PRACTICE_AGB,
        ura="90990099",
        name="Bench Praktijk",
        fhir_base_url="http://gp.bench.invalid/fhir",
        token="bench-token",  # noqa: S106 - a bench practice that is never pulled
    )
    _key_object, key = PracticeAPIKey.objects.create_key(name="Bench HIS", practice=practice)
    patients_enrol(practice, patients)
    return practice, key


def patients_enrol(practice, patients: list[Patient]) -> None:
    """Enrolments with the practice, and a summary for some, written with COPY."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy("COPY summaries_enrolment (bsn, practice_id, since) FROM STDIN") as copy:
            for patient in patients:
                copy.write_row((patient.bsn, practice.pk, now))
        sections = json.dumps({"patient": {"name": "Bench"}})
        with cursor.copy(
            "COPY summaries_summary (bsn, birth_date, practice_id, source_version, "
            "source_updated_at, fetched_at, fhir_version, sections, source, size_bytes) "
            "FROM STDIN"
        ) as copy:
            for patient in patients:
                if patient.has_summary:
                    copy.write_row(
                        (
                            patient.bsn,
                            patient.birth_date,
                            practice.pk,
                            "0" * 64,
                            now,
                            now,
                            "R4",
                            sections,
                            "[]",
                            100,
                        )
                    )
        cursor.execute("ANALYZE summaries_enrolment")
        cursor.execute("ANALYZE summaries_summary")


def batch_rows(patients: list[Patient], rng: random.Random) -> list[dict]:
    """One row per patient: ~85% consent, ~10% refusal, ~5% blank; scopes mixed; some with
    a time, a representative or a note."""
    rows = []
    for patient in patients:
        draw = rng.random()
        decision = "consent" if draw < 0.85 else "refusal" if draw < 0.95 else "blank"
        row = {
            "bsn": patient.bsn,
            "birth_date": patient.birth_date.isoformat(),
            "scope": rng.choice(("both", "both", "hap", "seh")),
            "decision": decision,
        }
        if rng.random() < 0.2:
            minutes = rng.randrange(1, 60 * 24 * 300)
            at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
            row["registered_at"] = at.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat(
                timespec="seconds"
            )
        if rng.random() < 0.05:
            row["by_representative"] = True
        if rng.random() < 0.05:
            row["note"] = "Besproken op het spreekuur."
        rows.append(row)
    return rows


# --- The API run -----------------------------------------------------------------------------


@dataclass
class Batch:
    rows: list[dict]
    body: bytes
    key: str


def batch_make(rows: list[dict]) -> Batch:
    return Batch(rows, json.dumps({"registrations": rows}).encode(), str(uuid.uuid4()))


def check_batch_answer(batch: Batch, status: int, body: bytes) -> None:
    """Raise BenchFailure unless the answer is the 201 of a batch registered in full."""
    if status != 201:
        raise BenchFailure(f"batch {batch.key} answered HTTP {status}: {body[:500]!r}")
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise BenchFailure(f"batch {batch.key}: the answer is not JSON: {body[:200]!r}") from exc
    sent = len(batch.rows)
    if answer.get("idempotency_key") != batch.key:
        raise BenchFailure(
            f"batch {batch.key}: the answer names key {answer.get('idempotency_key')!r}"
        )
    if answer.get("registered") != sent:
        raise BenchFailure(f"batch {batch.key}: registered {answer.get('registered')!r} of {sent}")
    registrations = answer.get("registrations") or []
    if [r.get("index") for r in registrations] != list(range(sent)):
        raise BenchFailure(f"batch {batch.key}: the answer does not list each row once, in order")
    ids = {r.get("id") for r in registrations}
    if len(ids) != sent or None in ids:
        raise BenchFailure(f"batch {batch.key}: {len(ids)} distinct ids for {sent} rows")


def batches_send(base_url: str, api_key: str, batches: list[Batch], clients: int) -> float:
    """Send the batches from `clients` threads (each its own keep-alive connection, taking
    the next batch when its last is answered); every answer checked. The wall time."""
    parts = urlsplit(base_url)
    queue = iter(batches)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        try:
            while not failures:
                with lock:
                    batch = next(queue, None)
                if batch is None:
                    return
                conn.request(
                    "POST",
                    BATCH_PATH,
                    batch.body,
                    {
                        "Authorization": f"Api-Key {api_key}",
                        "Idempotency-Key": batch.key,
                        "Content-Type": "application/json",
                    },
                )
                response = conn.getresponse()
                check_batch_answer(batch, response.status, response.read())
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            failures.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        failure = failures[0]
        if isinstance(failure, BenchFailure):
            raise failure
        raise BenchFailure(f"a batch failed: {failure!r}") from failure
    return elapsed


def written_check(sent: list[Batch], refusing: set[str]) -> dict:
    """What the database holds after the run equals what was sent, and the ledger verifies."""
    from audit.models import AccessEvent, EventType
    from audit.verification import ledger_verify
    from consent.models import ConsentRegistration
    from summaries.models import Summary

    rows = sum(len(b.rows) for b in sent)
    registrations = ConsentRegistration.objects.count()
    events = AccessEvent.objects.filter(event_type=EventType.CONSENT_REGISTRATION).count()
    purged = AccessEvent.objects.filter(event_type=EventType.SUMMARY_PURGED).count()
    total_events = AccessEvent.objects.count()
    if registrations != rows:
        raise BenchFailure(f"{registrations:,} registrations in the database, {rows:,} sent")
    if events != rows:
        raise BenchFailure(f"{events:,} consent_registration events in the ledger, {rows:,} sent")
    if purged != len(refusing):
        raise BenchFailure(f"{purged:,} summary_purged events for {len(refusing):,} refusals")
    kept = Summary.objects.filter(bsn__in=list(refusing)).count()
    if kept:
        raise BenchFailure(f"{kept} refusing patients' summaries are still stored")
    started = time.perf_counter()
    result = ledger_verify()
    verify_seconds = time.perf_counter() - started
    if not result.intact:
        raise BenchFailure(f"the ledger does not verify: {result.first_break}")
    if result.checked != total_events:
        raise BenchFailure(f"audit_verify checked {result.checked:,} of {total_events:,} events")
    return {
        "registrations": registrations,
        "events": events,
        "purged": purged,
        "checked": result.checked,
        "verify_seconds": verify_seconds,
    }


# --- The baseline: a raw COPY of the same rows -----------------------------------------------

BASELINE_TABLES = (
    ("consent_consentregistration", "TRUE"),
    ("audit_accessevent", "event_type = 'consent_registration'"),
)


def copy_baseline(runs: int = 3) -> dict:
    """The rows the API wrote — registrations and consent_registration events — read back
    with COPY TO, then COPY FROM into scratch tables LIKE the real ones INCLUDING ALL (the
    same columns, defaults, checks and indexes; no foreign keys, no triggers: the real
    tables' triggers are BEFORE UPDATE/DELETE/TRUNCATE only), committed: the fastest the
    database takes these rows. Best of `runs`, the scratch tables emptied between."""
    from django.db import connection

    data: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table, where in BASELINE_TABLES:
            buffer = io.BytesIO()
            with cursor.copy(
                f"COPY (SELECT * FROM {table} WHERE {where} ORDER BY id) TO STDOUT"  # noqa: S608
            ) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            data[table] = buffer.getvalue()
            counts[table] = data[table].count(b"\n")
    times = []
    for _ in range(runs):
        with connection.cursor() as cursor:
            for table, _where in BASELINE_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS bench_scratch_{table}")
                cursor.execute(f"CREATE TABLE bench_scratch_{table} (LIKE {table} INCLUDING ALL)")
            cursor.execute("CHECKPOINT")
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            for table, _where in BASELINE_TABLES:
                payload = data[table]
                with cursor.copy(f"COPY bench_scratch_{table} FROM STDIN") as copy:
                    for offset in range(0, len(payload), 1 << 20):
                        copy.write(payload[offset : offset + (1 << 20)])
            cursor.execute("COMMIT")
        times.append(time.perf_counter() - start)
    with connection.cursor() as cursor:
        for table, _where in BASELINE_TABLES:
            cursor.execute(f"SELECT count(*) FROM bench_scratch_{table}")  # noqa: S608
            (copied,) = cursor.fetchone()
            if copied != counts[table]:
                raise BenchFailure(f"baseline: {copied:,} of {counts[table]:,} rows of {table}")
            cursor.execute(f"DROP TABLE bench_scratch_{table}")
    return {
        "registrations": counts["consent_consentregistration"],
        "events": counts["audit_accessevent"],
        "bytes": sum(len(d) for d in data.values()),
        "seconds": min(times),
        "all_seconds": times,
    }


# --- The GP's page ---------------------------------------------------------------------------


def gp_session(practice, username: str, patient: Patient) -> tuple[str, str]:
    """A GP of the practice signed in (password + TOTP, as bench/lookup.py), with the patient
    open as after the search (the session key registry.views.SESSION_PATIENT)."""
    from portal.access import SESSION_MEMBERSHIP
    from portal.models import Membership, Organisation, Role, User
    from registry.views import SESSION_PATIENT

    organisation, _ = Organisation.objects.get_or_create(
        agb=practice.agb,
        defaults={"kind": Organisation.Kind.GP_PRACTICE, "name": practice.name, "ura": ""},
    )
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Bench"})
    membership, _ = Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        defaults={"role": Role.GP, "uzi_role_code": "01.015"},
    )
    key = signed_in_session_key(
        user,
        **{
            SESSION_MEMBERSHIP: membership.pk,
            SESSION_PATIENT: [patient.bsn, patient.birth_date.isoformat()],
        },
    )
    return key, secrets.token_hex(16)


def page_requests(practice, patients: list[Patient]) -> dict[str, list[Request]]:
    requests: dict[str, list[Request]] = {"hello": [], "page": []}
    run = secrets.token_hex(3)
    for n, patient in enumerate(patients):
        key, csrf = gp_session(practice, f"bench-gp-{run}-{n}", patient)
        cookie = f"sessionid={key}; csrftoken={csrf}"
        requests["hello"].append(Request("hello", HELLO_PATH, cookie, text="hello"))
        # The patient's page: their BSN in it, not the search page or the login.
        requests["page"].append(Request("page", PAGE_PATH, cookie, text=f"<dd>{patient.bsn}</dd>"))
    return requests


def page_rounds(base_url: str, requests: dict[str, list[Request]]) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {kind: [] for kind in requests}
    for kind in requests:  # warm-up, checked
        for request in requests[kind][:4]:
            check_response(request, *fetch(base_url, request))
    for n in range(1, ROUNDS + 1):
        for kind, kind_requests in requests.items():
            request = random.choice(kind_requests)  # noqa: S311 (not a secret)
            check_response(request, *fetch(base_url, request))
            out = wrk(base_url, kind_requests, THREADS, CONNECTIONS, DURATION)
            result = parse_wrk(out)
            label = f"round {n}/{ROUNDS}, {kind}"
            check_wrk(label, result)
            check_response(request, *fetch(base_url, request))
            print(f"{label}: p50 {result['p50']:.2f} ms, {result['rps']:,.0f}/s", file=sys.stderr)
            runs[kind].append(result)
    return runs


# --- The run ---------------------------------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    # The practice's throttle (120 batches a minute) is not what is measured.
    return gunicorn_env(database_url, API_RATE_BATCH="100000/minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=20, help="timed batches of 5,000 rows")
    parser.add_argument("--clients", type=int, default=2, help="HTTP clients sending batches")
    parser.add_argument(
        "--api-rounds",
        type=int,
        default=3,
        help="rounds of the timed batches, each for new patients; the best is (a)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--gps", type=int, default=100, help="signed-in GPs for the page run")
    parser.add_argument("--no-page", action="store_true", help="skip the page run (c)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if not args.no_page and not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (or make bench-registry)")

    os.environ["BENCH_DATABASE_URL"] = os.environ.get(
        "BENCH_REGISTRY_DATABASE_URL", DEFAULT_DATABASE_URL
    )
    recreate_database(os.environ["BENCH_DATABASE_URL"])
    setup_django()
    from bench.lookup import collect_static

    env = server_env(os.environ["DATABASE_URL"])
    if not args.no_page:
        collect_static(env)

    rng = random.Random(args.seed)
    warmup_rows = WARMUP_ROWS * args.workers
    round_rows = args.batches * BATCH_ROWS
    patients = patients_make(args.api_rounds * round_rows + warmup_rows, rng)
    practice, api_key = practice_prepare(patients)
    warmup = [
        batch_make(batch_rows(patients[i : i + WARMUP_ROWS], rng))
        for i in range(0, warmup_rows, WARMUP_ROWS)
    ]
    timed_patients = patients[warmup_rows:]
    rounds = [
        [
            batch_make(batch_rows(timed_patients[i : i + BATCH_ROWS], rng))
            for i in range(start, start + round_rows, BATCH_ROWS)
        ]
        for start in range(0, args.api_rounds * round_rows, round_rows)
    ]
    timed = rounds[0]
    sent = warmup + [batch for batches in rounds for batch in batches]
    refusing = {r["bsn"] for b in sent for r in b.rows if r["decision"] == "refusal"}
    print(
        f"prepared {len(patients):,} patients ({sum(p.has_summary for p in patients):,} with a "
        f"summary), {args.api_rounds} rounds of {len(timed)} batches of {BATCH_ROWS:,}",
        file=sys.stderr,
    )

    server = start_gunicorn("registry", "bench.wsgi", env, workers=args.workers)
    try:
        wait_until_listening(server)
        batches_send(server.base_url, api_key, warmup, args.workers)
        api_seconds = [
            batches_send(server.base_url, api_key, batches, args.clients) for batches in rounds
        ]
        written = written_check(sent, refusing)
        page_runs = None
        if not args.no_page:
            chosen = rng.sample(timed_patients, args.gps)
            page_runs = page_rounds(server.base_url, page_requests(practice, chosen))
    except BenchFailure as failure:
        sys.exit(f"bench/registry.py: no figures, a check failed: {failure}")
    finally:
        stop_gunicorn(server)
    baseline = copy_baseline()
    timed_rows = sum(len(b.rows) for b in timed)
    print(
        report(
            args=args,
            timed_rows=timed_rows,
            api_seconds=api_seconds,
            refusals=sum(r["decision"] == "refusal" for b in sent for r in b.rows),
            written=written,
            baseline=baseline,
            page_runs=page_runs,
        )
    )


def report(*, args, timed_rows, api_seconds, refusals, written, baseline, page_runs) -> str:
    api_rounds, api_seconds = api_seconds, min(api_seconds)
    api_rate = timed_rows / api_seconds
    copy_rate = baseline["registrations"] / baseline["seconds"]
    copy_rows = (baseline["registrations"] + baseline["events"]) / baseline["seconds"]
    ratio = api_rate / copy_rate
    hours = PROJECTED / api_rate / 3600
    mark = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    lines = [
        "| what | rows | time | registrations/s | ratio |",
        "|---|---:|---:|---:|---:|",
        f"| (a) batch API over HTTP ({args.clients} clients, {args.workers} gunicorn workers; "
        f"best of {len(api_rounds)}) | "
        f"{timed_rows:,} registrations + their events | {api_seconds:.2f} s | "
        f"{api_rate:,.0f} | {ratio:.3f}× |",
        f"| (b) raw COPY of the same registrations and their events (best of 3) | "
        f"{baseline['registrations']:,} + {baseline['events']:,} rows | "
        f"{baseline['seconds']:.2f} s | {copy_rate:,.0f} ({copy_rows:,.0f} rows/s) | 1.00× |",
        "",
        f"- (a)/(b) = **{ratio:.3f}×** (goal ≥ {GOAL_RATIO}×): {mark(ratio >= GOAL_RATIO)}",
        f"- 8 million registrations at (a): **{hours * 60:.0f} minutes** "
        f"(goal ≤ {GOAL_HOURS:.0f} h): {mark(hours <= GOAL_HOURS)}",
        f"- checked: every answer 201 with {BATCH_ROWS:,} ids; {written['registrations']:,} "
        f"registrations and {written['events']:,} consent_registration events in the database "
        f"(= sent, warm-up included), {written['purged']:,} summary_purged events "
        f"({refusals:,} refusals sent); ledger_verify: intact, {written['checked']:,} events "
        f"in {written['verify_seconds']:.1f} s",
        f"- API rounds: {', '.join(f'{t:.2f} s' for t in api_rounds)} for {timed_rows:,} "
        f"registrations each (ratios {', '.join(f'{timed_rows / t / copy_rate:.3f}×' for t in api_rounds)})",
        f"- baseline runs: {', '.join(f'{t:.2f} s' for t in baseline['all_seconds'])} "
        f"({baseline['bytes'] / 1e6:.0f} MB of COPY text)",
    ]
    if page_runs:
        medians = {
            kind: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for kind, runs in page_runs.items()
        }
        h, p = medians["hello"], medians["page"]
        page_ratio = p["p50"] / h["p50"]
        lines += [
            "",
            "| request | p50 | p99 | requests/s | p50 ratio | throughput ratio | non-2xx/3xx |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, r in (("hello", h), ("GP patient page", p)):
            key = "hello" if kind == "hello" else "page"
            errors = sum(run["errors"] for run in page_runs[key])
            lines.append(
                f"| {kind} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['rps']:,.0f} | "
                f"{r['p50'] / h['p50']:.2f}× | {r['rps'] / h['rps']:.2f}× | {errors} |"
            )
        lines += [
            "",
            f"- GP patient page p50 / hello p50 = **{page_ratio:.2f}×** (goal ≤ {GOAL_PAGE:.0f}×): "
            f"{mark(page_ratio <= GOAL_PAGE)}; wrk {THREADS} threads, {CONNECTIONS} connections, "
            f"{DURATION} per request and round, median of {ROUNDS} rounds, {args.gps} signed-in "
            "GPs each with a patient of the run open",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
