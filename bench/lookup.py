"""Lookup benchmark (issue 5): not a test. gunicorn with production settings, PostgreSQL with
N patients with full summaries; the search request and the summary page of a consented
patient, each against a hello-world view behind the same middleware stack, in one run.

    make bench-lookup          # or: .venv/bin/python bench/lookup.py [--sizes 100000,1000000]

Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, Simulator, create_database, setup_django  # noqa: E402

DURATION = "10s"
ROUNDS = 3  # each figure is the median of three interleaved rounds
CONNECTIONS = 8
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
    os.environ["DATABASE_URL"] = url  # for gunicorn, started from this environment
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


def signed_in_session(username: str) -> tuple[str, str, object]:
    """A session as after password + TOTP login, for a nurse at a HAP; and a CSRF secret."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    from portal.access import SESSION_MEMBERSHIP
    from portal.middleware import SECOND_FACTOR_SEEN, SESSION_LAST_SEEN, SESSION_STARTED
    from portal.models import Membership, Organisation, Role, User

    hap, _ = Organisation.objects.get_or_create(
        ura="90990001", defaults={"kind": "hap", "name": "Bench HAP"}
    )
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Bench"})
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=hap, defaults={"role": Role.TRIAGE, "uzi_role_code": "30.000"}
    )
    session = SessionStore()
    now = time.time()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SECOND_FACTOR_SEEN: True,
            SESSION_STARTED: now,
            SESSION_LAST_SEEN: now + 3600,
            SESSION_MEMBERSHIP: membership.pk,
        }
    )
    session.set_expiry(dt.timedelta(hours=12))
    session.create()
    return session.session_key, secrets.token_hex(16), membership


def consented_encounter(membership, bsn: str, birth_date) -> str:
    from django.utils import timezone

    from audit.actors import Actor
    from consent.models import Decision, PointOfCareConsent, Scope, Source
    from consent.services import consent_register
    from portal.triage.point_of_care import point_of_care_record
    from portal.triage.search import patient_search

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
        answer=PointOfCareConsent.Answer.AGREES,
        now=timezone.now(),
    )
    return str(result.encounter.public_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(base_url: str, requests: list[dict]) -> dict:
    """wrk against a list of requests, taken in turn: each a path, a cookie and optionally
    a form body (POST, with its CSRF token). Many users, as at a real HAP at night: one
    user searching a thousand times in ten seconds would measure the throttle's history."""
    entries = ",\n".join(
        "{{path={path}, cookie={cookie}, body={body}, csrf={csrf}}}".format(
            path=_lua(r["path"]),
            cookie=_lua(r["cookie"]),
            body=_lua(r.get("body", "")),
            csrf=_lua(r.get("csrf", "")),
        )
        for r in requests
    )
    script = f"""
local entries = {{
{entries}
}}
local i = 0
request = function()
  i = i + 1
  local e = entries[(i % #entries) + 1]
  local headers = {{Cookie = e.cookie}}
  if e.body ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRFToken"] = e.csrf
    return wrk.format("POST", e.path, headers, e.body)
  end
  return wrk.format("GET", e.path, headers)
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s", lua.name, base_url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(lua.name)

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": ms("50%"),
        "p99": ms("99%"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def measure(size: int, users: int) -> dict:
    """hello, search and summary, each by `users` signed-in nurses in turn, each nurse with
    a patient of their own (a random one of the `size`)."""
    from summaries.models import Summary

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    patients = list(Summary.objects.order_by("?").values_list("bsn", "birth_date")[:users])
    hello, search, summary = [], [], []
    run = secrets.token_hex(3)  # fresh users each run: no throttle history from the last one
    for n, (bsn, birth_date) in enumerate(patients):
        key, csrf, membership = signed_in_session(f"bench-{run}-{n}")
        cookie = f"sessionid={key}; csrftoken={csrf}"
        hello.append({"path": "/bench/hello/", "cookie": cookie})
        search.append(
            {
                "path": "/triage/",
                "cookie": cookie,
                "body": f"bsn={bsn}&birth_date={birth_date.isoformat()}",
                "csrf": csrf,
            }
        )
        # The summary by a second session of the same nurse: a search would end its encounter.
        key2, csrf2, membership2 = signed_in_session(f"bench-{run}-{n}-summary")
        encounter = consented_encounter(membership2, bsn, birth_date)
        # With the CSRF cookie, as a browser sends it back after its first page: without
        # it every page would make a new secret and set the cookie again.
        summary.append(
            {
                "path": f"/triage/{encounter}/samenvatting/",
                "cookie": f"sessionid={key2}; csrftoken={csrf2}",
            }
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRIAGE_PATIENTS_PER_HOUR": "1000000000",
        "TRIAGE_ENCOUNTER_MINUTES": "600",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        rounds: dict[str, list[dict]] = {"hello": [], "search": [], "summary": []}
        for _ in range(ROUNDS):  # interleaved: a disturbance hits all three alike
            for name, requests in (("hello", hello), ("search", search), ("summary", summary)):
                rounds[name].append(wrk(base_url, requests))
        results = {name: _median_of(runs) for name, runs in rounds.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {"size": size, "users": users, **results}


def report(runs: list[dict]) -> str:
    lines = [
        "| patients | request | p50 | p99 | requests/s | p50 ratio | p99 ratio | throughput ratio | non-2xx/3xx |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        h = run["hello"]
        for name in ("hello", "search", "summary"):
            r = run[name]
            lines.append(
                f"| {run['size']:,} | {name} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['rps']:,.0f} | "
                f"{r['p50'] / h['p50']:.2f}× | {r['p99'] / h['p99']:.2f}× | {r['rps'] / h['rps']:.2f}× | {r['errors']} |"
            )
    if len(runs) > 1:
        small, big = runs[0], runs[-1]
        for name in ("search", "summary"):
            lines.append("")
            lines.append(
                f"- {name}: p50 at {big['size']:,} / p50 at {small['size']:,} patients = "
                f"**{big[name]['p50'] / small[name]['p50']:.2f}×** (goal ≤ 1.2×)"
            )
    lines.append("")
    lines.append(
        "Goals: p50 ≤ 4× hello, p99 ≤ 10× hello, throughput ≥ 0.35× hello. "
        f"wrk: 2 threads, {CONNECTIONS} connections, {DURATION} per request and round, median of "
        f"{ROUNDS} interleaved rounds, "
        f"{runs[0]['users']} signed-in nurses taking turns, each with a patient of their own; gunicorn: "
        "4 sync workers, production settings (DEBUG off)."
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
    runs = []
    for size in sizes:
        use_database(size)
        have = fill(size)
        print(f"measuring at {have:,} patients", file=sys.stderr)
        runs.append(measure(have, args.users))
    print(report(runs))


if __name__ == "__main__":
    main()
