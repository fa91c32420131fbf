"""Shared set-up for the benchmarks: a PostgreSQL database of their own, Django, the simulator;
and for the lookup bench, gunicorn and wrk with checks on what they answered."""

from __future__ import annotations

import http.client
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from simulator.process import SimulatorProcess  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# The names a benchmark may create, fill, empty or drop (spoedinzage_bench_registry too).
BENCH_DATABASE_PREFIXES = ("spoedinzage_bench", "spoedinzage_lookup")


def setup_django() -> None:
    """Point Django at the benchmark database (created if missing), migrated."""
    # Always a benchmark database, never one a shell happens to point DATABASE_URL at: the
    # benchmarks empty tables.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    if not name.startswith(BENCH_DATABASE_PREFIXES):
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


def signed_in_session_key(user, **extra) -> str:
    """A session of `user` as after password + TOTP (the session keys portal.middleware
    reads), seen an hour ahead so it stays fresh through a run, with `extra` keys (the
    membership, the registry's open patient); its key, for the sessionid cookie."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    from portal.middleware import SECOND_FACTOR_SEEN, SESSION_LAST_SEEN, SESSION_STARTED

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
            **extra,
        }
    )
    session.set_expiry(dt.timedelta(hours=12))
    session.create()
    return session.session_key


def _server_connection(url: str):
    """An autocommit connection to the server of `url` (its maintenance database), and the
    name of the database `url` names."""
    import psycopg

    parts = urlsplit(url)
    connection = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
    )
    return connection, parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    """Drop the benchmark database and create it empty (setup_django migrates it): for a
    bench whose checks need a ledger of its own run only (bench/registry.py). Only a
    benchmark database, by the same rule as setup_django."""
    conn, name = _server_connection(url)
    with conn:
        if not name.startswith(BENCH_DATABASE_PREFIXES):
            sys.exit(f"refusing to drop database {name!r}: not a benchmark database")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    create_database(url)


def create_database(url: str) -> None:
    conn, name = _server_connection(url)
    with conn:
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


# --- Load over HTTP: gunicorn, wrk, and checks on what they answered ----------------------
# A figure measured on error pages is worse than none: bench/lookup.py checks requests with
# these before and after each wrk run, and stops on a BenchFailure without printing figures.


class BenchFailure(Exception):
    """A request answered what it should not: the bench stops without printing figures."""


@dataclass(frozen=True)
class Request:
    """One request of one user, and what a correct answer looks like."""

    kind: str
    path: str
    cookie: str
    body: str = ""  # a form body makes it a POST
    csrf: str = ""
    status: int = 200
    location: str = ""  # a regular expression the redirect target's path must match
    text: str = ""  # must appear in the body (already HTML-escaped)

    def describe(self) -> str:
        return f"{self.kind} ({'POST' if self.body else 'GET'} {self.path})"


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base_url: str


def gunicorn_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a bench's gunicorn (and of the collectstatic that prepares its
    files): production settings on the bench's database, plus the bench's own `settings`
    (e.g. a throttle that is not what is measured)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",  # production settings, whatever the calling shell says
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def start_gunicorn(name: str, wsgi: str, env: dict[str, str], workers: int = 4) -> Server:
    with socket.socket() as sock:  # a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), wsgi, "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    return Server(name, process, f"http://127.0.0.1:{port}")


def wait_until_listening(server: Server, timeout: float = 60) -> None:
    """gunicorn's master binds the port; a worker that cannot import the project makes it
    exit, which is reported here rather than as a refused connection later."""
    port = urlsplit(server.base_url).port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchFailure(
                f"gunicorn for {server.name} exited with status {server.process.returncode} "
                "(its log is above)"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise BenchFailure(f"gunicorn for {server.name} did not listen within {timeout} s")


def stop_gunicorn(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)


def fetch(base_url: str, request: Request) -> tuple[int, str, str]:
    """One request as wrk sends it: status, redirect target and body."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Cookie": request.cookie}
    if request.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-CSRFToken"] = request.csrf
    try:
        conn.request("POST" if request.body else "GET", request.path, request.body, headers)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Location", ""), body
    except OSError as exc:
        raise BenchFailure(f"{request.describe()}: no answer ({exc})") from exc
    finally:
        conn.close()


def check_response(request: Request, status: int, location: str, body: str) -> None:
    """Raise BenchFailure unless the answer is the one a working page gives: its status,
    where it redirects to, the text it must show."""
    if status != request.status:
        raise BenchFailure(
            f"{request.describe()} answered HTTP {status}, expected {request.status}"
            + (f" (redirect to {location})" if location else "")
        )
    if request.location and not re.fullmatch(request.location, urlsplit(location).path):
        raise BenchFailure(
            f"{request.describe()} redirected to {location!r}, expected {request.location}"
        )
    if request.text and request.text not in body:
        raise BenchFailure(
            f"{request.describe()} answered HTTP {status} without {request.text!r} in the page"
        )


def wrk(
    base_url: str, requests: list[Request], threads: int, connections: int, duration: str
) -> str:
    """wrk against a list of requests, taken in turn; its report as text."""
    entries = ",\n".join(
        f"{{path={_lua(r.path)}, cookie={_lua(r.cookie)}, body={_lua(r.body)}, csrf={_lua(r.csrf)}}}"
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
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency"]
    try:
        return subprocess.run(  # noqa: S603
            [*command, "-s", lua.name, base_url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(lua.name)


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Where a run's CPU went: which processes, per request --------------------------------

CPU_GROUPS = ("gunicorn", "postgres", "redis-server", "wrk")


def _ticks(stat: str) -> int:
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process on this machine (/proc; PostgreSQL runs here):
    a backend's share of what a bench measures, which the bench's own CPU time leaves out."""
    return _ticks(Path(f"/proc/{pid}/stat").read_text()) / os.sysconf("SC_CLK_TCK")


def cpu_by_group() -> dict:
    """CPU ticks so far of every process of this machine whose name is one of CPU_GROUPS,
    by process (/proc; gunicorn's workers are named as their master), this process's ended
    children (wrk: it has ended by the second reading) and the machine's in all."""
    processes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            if name not in CPU_GROUPS:
                name = Path(entry.path, "cmdline").read_bytes().split(b"\0")[0].decode()
                name = next((group for group in CPU_GROUPS if group in name), "")
            if name:
                processes[int(entry.name)] = (name, _ticks(stat))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # ended meanwhile
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return {
        "processes": processes,
        "children": children.ru_utime + children.ru_stime,
        "machine": sum(int(n) for n in machine) - int(machine[3]) - int(machine[4]),
    }


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU a request, per group, between two cpu_by_group() readings: each
    process's ticks since the first reading (all of them for one that started since; one
    that ended in between is lost), wrk's from this process's ended children."""
    hz = os.sysconf("SC_CLK_TCK")
    ticks = dict.fromkeys(CPU_GROUPS, 0)
    for pid, (name, count) in after["processes"].items():
        earlier = before["processes"].get(pid)
        ticks[name] += count - (earlier[1] if earlier and earlier[0] == name else 0)
    per_request = 1000 / max(requests, 1)
    cpu = {name: count / hz * per_request for name, count in ticks.items()}
    cpu["wrk"] = (after["children"] - before["children"]) * per_request
    cpu["machine"] = (after["machine"] - before["machine"]) / hz * per_request
    return cpu


def parse_wrk(out: str) -> dict:
    """p50 and p99 (ms), requests/s, the number of requests, and what went wrong: answers
    outside 2xx/3xx, and socket errors (a request that timed out has no latency in the
    figures)."""

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    def count(pattern: str) -> int:
        found = re.search(pattern, out)
        return sum(int(n) for n in found.groups()) if found else 0

    try:
        return {
            "p50": ms("50%"),
            "p99": ms("99%"),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": count(r"(\d+) requests in"),
            "errors": count(r"Non-2xx or 3xx responses: (\d+)"),
            "socket_errors": count(
                r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
            ),
        }
    except AttributeError as exc:  # a pattern found nothing
        raise BenchFailure(f"wrk's report could not be read:\n{out}") from exc


def check_wrk(what: str, result: dict) -> None:
    """Raise BenchFailure if any request of the run failed: its figures would mix error
    pages (fast or slow) into the latencies."""
    if result["errors"]:
        raise BenchFailure(
            f"{what}: {result['errors']} of {result['requests']} responses were not 2xx/3xx"
        )
    if result["socket_errors"]:
        raise BenchFailure(f"{what}: {result['socket_errors']} socket errors or timeouts")
