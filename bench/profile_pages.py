"""Where a page request's time goes, in-process (not a test, not the benchmark).

    .venv/bin/python bench/profile_pages.py [--size 100000] [--requests 300] [--profile summary]
    .venv/bin/python bench/profile_pages.py --size 0 --pages hello,gp [--sql] [--profile gp]
    .venv/bin/python bench/profile_pages.py … --calls   # Python calls a request, a steady count
    .venv/bin/python bench/profile_pages.py … --gc      # the cyclic collector's runs and time a request

Signs in nurses as bench/lookup.py does, on the same database (filled by it), and sends the
hello, search and summary requests through Django's test client, one after another: the median
wall time of each (which includes waiting for PostgreSQL and Redis) and its statements, and
with --profile the functions that cost the most (cProfile, cumulative) for one of them.

The GP's patient page (gp, /registratie/patient/, issue 13) needs no filled database: a GP of a
practice of its own, with an enrolled patient who has a summary, a history of eight
registrations in every scope and 50 consultations of the summary in the ledger (made once,
kept for later runs; --size only names the database, spoedinzage_lookup_<size>). Every page
request logs a registry_view event for that patient, which the consultations' read passes
over (audit has no index by patient and event type): a fresh --size gives the same start.

The patient's own page (patient, /mijn/, issue 16) needs a ledger with summary views in it:
the oversight bench's (--database postgres://…/spoedinzage_bench_oversight_10m). Its patient
is the first one bench/oversight.py opened an account for (page (e)), signed in as it does.

The supervisors' ledger search (ledger, /toezicht/logboek/, issue 15: the newest page) needs
the same database: the supervisor of the first post, signed in as bench/oversight.py does.

    .venv/bin/python bench/profile_pages.py --pages hello,patient --profile patient \
        --database postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench_oversight_10m
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import cpu_seconds  # noqa: E402

PAGES = ("hello", "search", "summary", "gp", "patient", "ledger")
GP_PRACTICE_AGB = "01990013"
GP_PATIENT = ("999990019", dt.date(1948, 3, 14))  # BSN (passes the 11-test), birth date
GP_HISTORY = 8
GP_CONSULTATIONS = 50


def gp_page_prepare() -> str:
    """A GP of a practice with an enrolled patient (summary, history, consultations), signed
    in with the patient open as after the search; its session key. The patient's data is made
    once and kept."""
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from audit.actors import Actor
    from audit.models import AccessEvent, Action, ConsentBasis, EventType
    from audit.services import access_event_record
    from bench.common import signed_in_session_key
    from consent.models import ConsentRegistration, Decision, Scope, Source
    from consent.services import consent_register
    from portal.access import SESSION_MEMBERSHIP
    from portal.models import Membership, Organisation, Role, User
    from registry.views import SESSION_PATIENT
    from summaries.models import Enrolment, GpPractice, Summary

    bsn, birth_date = GP_PATIENT
    now = timezone.now()
    with transaction.atomic():
        practice, _ = GpPractice.objects.get_or_create(
            agb=GP_PRACTICE_AGB,
            defaults={
                "name": "Bench Praktijk Oost",
                "fhir_base_url": "http://gp.bench.invalid/fhir",
                "token": "bench-token",  # noqa: S106 - a bench practice that is never pulled
            },
        )
        # A real summary's sections if the lookup bench filled the database, else a small one.
        model = Summary.objects.exclude(bsn=bsn).order_by("bsn").first()
        sections = model.sections if model else {"patient": {"name": "Bench"}}
        sections = {**sections, "patient": {**sections.get("patient", {}), "name": "A. Bench"}}
        Summary.objects.get_or_create(
            bsn=bsn,
            defaults={
                "birth_date": birth_date,
                "practice": practice,
                "source_version": "0" * 64,
                "source_updated_at": now,
                "fetched_at": now,
                "fhir_version": "R4",
                "sections": sections,
                "source": [],
                "size_bytes": 100,
            },
        )
        Enrolment.objects.get_or_create(bsn=bsn, defaults={"practice": practice, "since": now})
    history = [
        (Scope.BOTH, Decision.CONSENT),
        (Scope.SEH, Decision.REFUSAL),
        (Scope.HAP, Decision.CONSENT),
        (Scope.SEH, Decision.BLANK),
        (Scope.BOTH, Decision.REFUSAL),
        (Scope.BOTH, Decision.CONSENT),
        (Scope.HAP, Decision.BLANK),
        (Scope.SEH, Decision.CONSENT),
    ]
    made = ConsentRegistration.objects.filter(patient_bsn=bsn).count()
    for n, (scope, decision) in enumerate(history[made:GP_HISTORY], start=made):
        consent_register(
            patient_bsn=bsn,
            scope=scope,
            decision=decision,
            source=list(Source)[n % len(Source)],
            actor=Actor(username=f"bench-{n}", name="Dr. Bench", organisation_name="Bench"),
            at=now - dt.timedelta(days=400 - 40 * n),
            by_representative=n % 3 == 0,
        )
    views = AccessEvent.objects.filter(patient_bsn=bsn, event_type=EventType.SUMMARY_VIEW)
    bases = [
        ConsentBasis.REGISTERED_CONSENT,
        ConsentBasis.EMERGENCY_ACCESS,
        ConsentBasis.ON_THE_SPOT_CONSENT,
        ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED,
    ]
    for n in range(views.count(), GP_CONSULTATIONS):
        access_event_record(
            event_type=EventType.SUMMARY_VIEW,
            action=Action.READ,
            actor=Actor(
                username=f"bench-nurse-{n}",
                name="Bench",
                organisation_name=f"HAP Bench {n % 5}",
                portal_role=(Role.TRIAGE, Role.DOCTOR)[n % 2],
            ),
            patient_bsn=bsn,
            consent_basis=bases[n % len(bases)],
        )
    organisation, _ = Organisation.objects.get_or_create(
        agb=GP_PRACTICE_AGB,
        defaults={"kind": Organisation.Kind.GP_PRACTICE, "name": "Bench Praktijk Oost", "ura": ""},
    )
    user, _ = User.objects.get_or_create(
        username=f"profile-gp-{secrets.token_hex(3)}", defaults={"first_name": "Bench"}
    )
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=Role.GP, uzi_role_code="01.015"
    )
    return signed_in_session_key(
        user,
        **{SESSION_MEMBERSHIP: membership.pk, SESSION_PATIENT: [bsn, birth_date.isoformat()]},
    )


def patient_page_prepare() -> str:
    """A patient with their own account and a session after the second factor (as
    bench/oversight.py signs in its patients, page (e)); its session key. The first patient
    a bench opened an account for, so that runs compare; on a ledger without one, the
    patient of the newest summary view."""
    from django.db import connection

    from bench.oversight import patient_cookie

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bsn FROM patients_patientaccount WHERE established_by = 'bench' "
            "ORDER BY id LIMIT 1"
        )
        found = cursor.fetchone()
        if found is None:
            cursor.execute(
                "SELECT patient_bsn FROM audit_accessevent WHERE event_type = 'summary_view' "
                "ORDER BY seq DESC LIMIT 1"
            )
            found = cursor.fetchone()
    if found is None:
        sys.exit("patient: no summary views in this ledger; --database of bench/oversight.py's")
    cookie = patient_cookie(found[0])
    return cookie.split(";")[0].removeprefix("sessionid=")


def ledger_page_prepare() -> str:
    """The supervisor of the first post (as bench/oversight.py's pages (a)–(d) sign in
    theirs); their session key, for the newest page of /toezicht/logboek/."""
    from bench.oversight import supervisor_cookie
    from portal.models import Membership

    membership = (
        Membership.objects.filter(role="supervisor")
        .select_related("user", "organisation")
        .order_by("organisation__ura")
        .first()
    )
    if membership is None:
        sys.exit("ledger: no supervisor; --database of bench/oversight.py's")
    return supervisor_cookie(membership).split(";")[0].removeprefix("sessionid=")


def django_in_process(size: int, database_url: str | None = None) -> None:
    """Django set up in this process on the lookup bench's database for `size` (or the one
    given), with the bench's settings (hello, the throttle lifted), for Django's test
    client."""
    from bench import lookup

    os.environ["BENCH_DATABASE_URL"] = database_url or lookup.database_url(size)
    os.environ.update({"TRIAGE_PATIENTS_PER_HOUR": "1000000000", "TRIAGE_ENCOUNTER_MINUTES": "600"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench.common import setup_django

    setup_django()
    # The pages link hashed stylesheets: collected as the lookup bench does, or every page
    # would answer 500 (Missing staticfiles manifest entry).
    lookup.collect_static(lookup.server_env(os.environ["BENCH_DATABASE_URL"]))
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


def gc_report(requests: dict, count: int) -> None:
    """How often the cyclic collector ran during the requests, per generation, and how long
    it took: a full collection walks every object of the process (Django's, the project's),
    however little the request itself made."""
    import gc

    for name, send in requests.items():
        runs = [0, 0, 0]
        spent = [0.0]
        started = [0.0]

        def watch(phase, info, runs=runs, spent=spent, started=started):
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                runs[info["generation"]] += 1
                spent[0] += time.perf_counter() - started[0]

        gc.callbacks.append(watch)
        try:
            for _ in range(count):
                send()
        finally:
            gc.callbacks.remove(watch)
        print(
            f"{name:8} collections a request: generation 0 {runs[0] / count:.2f}, "
            f"1 {runs[1] / count:.2f}, 2 {runs[2] / count:.3f}; "
            f"{spent[0] / count * 1000:.3f} ms a request in the collector "
            f"({len(gc.get_objects()):,} objects tracked, {gc.get_freeze_count():,} frozen)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pages", default=",".join(PAGES), help="of " + ",".join(PAGES))
    parser.add_argument("--profile", choices=PAGES)
    parser.add_argument("--profile-out", help="also write the profile here (pstats, snakeviz)")
    parser.add_argument("--sql", action="store_true", help="print each request's statements")
    parser.add_argument("--database", help="another database than the lookup bench's")
    parser.add_argument(
        "--calls", action="store_true", help="count Python calls per request (steady, unlike time)"
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="the garbage collector's runs per request, per generation, and its time",
    )
    args = parser.parse_args()
    pages = args.pages.split(",")
    if unknown := set(pages) - set(PAGES):
        parser.error(f"no such page: {', '.join(sorted(unknown))}")
    if args.profile and args.profile not in pages:
        parser.error(f"--profile {args.profile} needs it in --pages")

    django_in_process(args.size, args.database)
    from django.test import Client

    from bench import lookup
    from summaries.models import Summary

    run = os.urandom(3).hex()
    key, _, _ = lookup.signed_in_session(f"profile-{run}")
    searcher = Client(enforce_csrf_checks=False)
    searcher.cookies["sessionid"] = key
    requests = {"hello": lambda: searcher.get("/bench/hello/")}
    expected = {
        "hello": 200,
        "search": 302,
        "summary": 200,
        "gp": 200,
        "patient": 200,
        "ledger": 200,
    }
    if {"search", "summary"} & set(pages):
        found = Summary.objects.order_by("?").values_list("bsn", "birth_date")[:1]
        if not found:
            sys.exit("no summaries: fill the database with bench/lookup.py, or --pages hello,gp")
        bsn, birth_date = found[0]
        key2, _, membership2 = lookup.signed_in_session(f"profile-{run}-summary")
        encounter = lookup.consented_encounter(membership2, bsn, birth_date)
        reader = Client()
        reader.cookies["sessionid"] = key2
        requests["search"] = lambda: searcher.post(
            "/triage/", {"bsn": bsn, "birth_date": birth_date.isoformat()}
        )
        requests["summary"] = lambda: reader.get(f"/triage/{encounter}/samenvatting/")
    if "gp" in pages:
        gp = Client()
        gp.cookies["sessionid"] = gp_page_prepare()
        requests["gp"] = lambda: gp.get("/registratie/patient/")
    if "patient" in pages:
        patient = Client()
        patient.cookies["sessionid"] = patient_page_prepare()
        requests["patient"] = lambda: patient.get("/mijn/")
    if "ledger" in pages:
        supervisor = Client()
        supervisor.cookies["sessionid"] = ledger_page_prepare()
        requests["ledger"] = lambda: supervisor.get("/toezicht/logboek/")
    requests = {name: send for name, send in requests.items() if name in pages}
    for name, send in requests.items():
        response = send()
        if response.status_code != expected[name]:
            sys.exit(f"{name}: status {response.status_code}, expected {expected[name]}")
    if "gp" in requests and GP_PATIENT[0] not in requests["gp"]().content.decode():
        sys.exit("gp: the patient's page does not show their BSN")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if args.sql:
        for name, send in requests.items():
            with CaptureQueriesContext(connection) as queries:
                send()
            print(f"{name}: {len(queries)} statements")
            for query in queries:
                print(f"  {query['sql'][:160]}")

    for name, send in requests.items():
        statements: list[str] = []

        def counted(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            send()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        times, cpu_started = [], time.process_time()
        backend_started = cpu_seconds(backend)
        for _ in range(args.requests):
            started = time.perf_counter()
            send()
            times.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_started) / args.requests
        backend_cpu = (cpu_seconds(backend) - backend_started) / args.requests
        print(
            f"{name:8} median {statistics.median(times) * 1000:6.2f} ms wall, "
            f"mean {cpu * 1000:6.2f} ms CPU of this process and "
            f"{backend_cpu * 1000:5.2f} ms of its PostgreSQL backend, "
            f"{len(statements)} statements"
        )

    if args.calls:
        # Function calls (Python and C) per request: the same count run after run, whatever
        # else the machine does, where the times above move by a third.
        for name, send in requests.items():
            calls = [0]

            def count(frame, event, arg, calls=calls):
                if event in ("call", "c_call"):
                    calls[0] += 1

            sys.setprofile(count)
            for _ in range(20):
                send()
            sys.setprofile(None)
            print(f"{name:8} {calls[0] / 20:8,.0f} calls a request")

    if args.gc:
        gc_report(requests, args.requests)
        import gc

        # What freezing the objects alive after start-up (gc.freeze(), as a pre-fork
        # server could after its workers load the project) would spare a request.
        gc.freeze()
        print("after gc.freeze():")
        gc_report(requests, args.requests)

    if args.profile:
        # CPU time of this process: what throughput depends on (waits for PostgreSQL are not in it).
        profile = cProfile.Profile(time.process_time)
        send = requests[args.profile]
        profile.enable()
        for _ in range(args.requests):
            send()
        profile.disable()
        stats = pstats.Stats(profile)
        if args.profile_out:
            stats.dump_stats(args.profile_out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
