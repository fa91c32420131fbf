"""bench/reports.py: how an organisation's monthly access report grows with its events
(issue 16): t(20k)/t(10k) (goal ≤ 2.2) and the peak memory of a build. Not a test.

    .venv/bin/python bench/reports.py [--runs 3]

Makes its own database (spoedinzage_bench_reports, recreated each run) with two HAPs in one
month: A with 10,000 events and B with 20,000, written through the ledger's own write path
(audit.events; searches and summary views by 40 users, an emergency access and an alert now
and then). Then builds each organisation's report of that month `--runs` times, A and B in
turn: the content (oversight.reports.content) and the PDF (oversight.reports.render), as
the worker does, without the queue. Prints the medians, their ratio, the pages, and the
peak of Python's allocations during a build (tracemalloc) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench_reports"
MONTH = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
USERS = 40


def ledger_fill(ura: str, name: str, events_wanted: int, rng: random.Random) -> int:
    """About `events_wanted` events of the organisation spread over the month."""
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from audit import events
    from audit.actors import Actor
    from audit.alerts import misuse_alert_raise
    from audit.context import RequestContext, reset_current, set_current
    from audit.models import ConsentBasis, EventType, MisuseAlert

    amsterdam = ZoneInfo("Europe/Amsterdam")
    start = dt.datetime.combine(MONTH[0], dt.time(), tzinfo=amsterdam)
    seconds = 30 * 24 * 3600
    actors = [
        Actor(
            username=f"{ura}-user{n}",
            name=f"Gebruiker {n}",
            portal_role="triage",
            organisation_ura=ura,
            organisation_name=name,
        )
        for n in range(USERS)
    ]
    from bench.registry import bsn_numbers

    bsns = bsn_numbers(2_000, start=100_000_000 + int(ura[-3:]) * 10_000)
    written = 0
    while written < events_wanted:
        with transaction.atomic():
            for _ in range(100):
                when = start + dt.timedelta(seconds=rng.randrange(seconds))
                actor = rng.choice(actors)
                bsn = rng.choice(bsns)
                token = set_current(RequestContext(started_at=when))
                try:
                    events.patient_searched(actor=actor, patient_bsn=bsn, found="found")
                    emergency = rng.random() < 0.02
                    if emergency:
                        events.point_of_care_answered(
                            actor=actor,
                            patient_bsn=bsn,
                            event_type=EventType.EMERGENCY_ACCESS,
                            encounter=uuid.uuid4(),
                            by_representative=False,
                            representative="",
                            indications=[],
                            emergency_reason="unconscious",
                            register_lasting=False,
                        )
                        misuse_alert_raise(
                            kind=MisuseAlert.Kind.EMERGENCY_ACCESS, actor=actor, detail={}, now=when
                        )
                        written += 2
                    events.summary_viewed(
                        actor=actor,
                        patient_bsn=bsn,
                        encounter=uuid.uuid4(),
                        reason="",
                        consent_basis=ConsentBasis.EMERGENCY_ACCESS
                        if emergency
                        else ConsentBasis.REGISTERED_CONSENT,
                        consent_policy="",
                        emergency=emergency,
                    )
                    written += 2
                finally:
                    reset_current(token)
    return written


def build_once(organisation) -> tuple[float, int, int, int]:
    """Seconds, pages, events counted and the peak of Python's allocations (bytes)."""
    from oversight.reports.content import report_content
    from oversight.reports.render import report_pdf

    tracemalloc.start()
    started = time.perf_counter()
    content = report_content(
        ura=organisation.ura, organisation=organisation.name, first=MONTH[0], last=MONTH[1]
    )
    _pdf, pages = report_pdf(content)
    seconds = time.perf_counter() - started
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, pages, content.events, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["BENCH_DATABASE_URL"] = DATABASE_URL
    from bench.common import recreate_database, setup_django

    recreate_database(DATABASE_URL)
    setup_django()
    from django.utils import translation

    from portal.models import Organisation

    translation.activate("nl")
    rng = random.Random(16)
    small = Organisation.objects.create(kind="hap", name="HAP Klein", ura="90000010")
    large = Organisation.objects.create(kind="hap", name="HAP Groot", ura="90000020")
    started = time.perf_counter()
    counts = {
        small.pk: ledger_fill(small.ura, small.name, 10_000, rng),
        large.pk: ledger_fill(large.ura, large.name, 20_000, rng),
    }
    print(f"ledger: {sum(counts.values())} events in {time.perf_counter() - started:.0f} s")
    build_once(small)  # warm: templates, fonts, the charts' library
    times: dict[int, list[float]] = {small.pk: [], large.pk: []}
    facts = {}
    for _ in range(args.runs):
        for organisation in (small, large):
            seconds, pages, counted, peak = build_once(organisation)
            times[organisation.pk].append(seconds)
            facts[organisation.pk] = (
                pages,
                counted,
                max(peak, facts.get(organisation.pk, (0, 0, 0))[2]),
            )
    t_small, t_large = statistics.median(times[small.pk]), statistics.median(times[large.pk])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for organisation, t in ((small, t_small), (large, t_large)):
        pages, counted, peak = facts[organisation.pk]
        print(
            f"{organisation.name}: {counted} events in the month, report {pages} pages, "
            f"median {t:.2f} s of {args.runs} (runs {', '.join(f'{x:.2f}' for x in times[organisation.pk])}), "
            f"peak Python allocations {peak / 2**20:.1f} MiB"
        )
    print(f"t(20k)/t(10k) = {t_large / t_small:.2f} (goal <= 2.2)")
    print(f"process peak RSS {rss:.0f} MiB (Django, WeasyPrint and the build)")


if __name__ == "__main__":
    main()
