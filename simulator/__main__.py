"""`python -m simulator`: start the GP practice simulator (see docs/simulator.md)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from simulator.app import MAX_COUNT, Simulator
from simulator.identifiers import MAX_PATIENTS
from simulator.server import SimulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800, help="0 picks a free port")
    parser.add_argument("--practices", type=int, default=10)
    parser.add_argument("--patients-per-practice", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="the date journal and lab dates count back from (default: UTC today)",
    )
    parser.add_argument(
        "--from-dir",
        type=Path,
        action="append",
        default=[],
        help="serve this directory's FHIR files as one more practice",
    )
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument(
        "--cache-mb", type=int, default=256, help="memory for serialised patients (default 256)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.practices < 0 or args.patients_per_practice < 0:
        parser.error("--practices and --patients-per-practice must not be negative")
    if args.practices * args.patients_per_practice > MAX_PATIENTS:
        parser.error(f"at most {MAX_PATIENTS} patients in all (BSNs must stay unique)")
    if not 1 <= args.page_size <= MAX_COUNT:
        parser.error(f"--page-size must be 1..{MAX_COUNT}")
    for directory in args.from_dir:
        if not directory.is_dir():
            parser.error(f"--from-dir {directory}: not a directory")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = SimulatorServer((args.host, args.port), verbose=args.verbose)
    # Base URLs must be reachable: a wildcard bind is announced as localhost.
    host = "127.0.0.1" if args.host in ("", "0.0.0.0") else args.host  # noqa: S104
    origin = f"http://{host}:{server.server_address[1]}"
    sim = Simulator(
        seed=args.seed,
        practices=args.practices,
        patients=args.patients_per_practice,
        today=args.today or datetime.now(UTC).date(),
        origin=origin,
        page_size=args.page_size,
        from_dirs=tuple(args.from_dir),
        cache_bytes=args.cache_mb * 1024 * 1024,
    )
    server.sim = sim
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    serving.start()
    print(
        f"simulator: {len(sim.practices)} practices on {origin} (GET /_admin/practices)",
        flush=True,
    )
    # After the line above, which the tests and bench read for the URL: what each
    # --from-dir practice serves (file counts per format and FHIR version, the page's format).
    for agb, source in sim.sources.items():
        print(f"simulator: practice {agb} serves {source.describe()}", flush=True)
    while not stop.wait(0.2):
        pass
    sim.stopping.set()  # release requests held by latency/timeout faults
    server.shutdown()
    serving.join()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
