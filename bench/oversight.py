"""Oversight benchmark (issue 15): not a test. Two PostgreSQL databases of its own, each with
a ledger shaped like the nation's traffic, written through the ledger's own write path:

    spoedinzage_bench_oversight_1m    ≥ 1 million events
    spoedinzage_bench_oversight_10m   ≥ 10 million events

(a) The ledger. Every event is made by its function in audit/events.py (patient_searched,
    point_of_care_answered, summary_viewed, login_succeeded, consent_registered, …) inside
    audit.services.access_events_batched, 20,000 events a transaction: the ledger's bulk
    append (audit.chain's canonical form and hash, one COPY), the rows and chain the
    portal's batch API writes. Proved after generation: audit.verification.ledger_verify
    over the whole ledger, intact, or the bench stops.
    The country: 45 HAPs and 15 SEHs with ~8,000 triage nurses and doctors (each with a
    usual shift; a HAP works evenings and nights, an SEH around the clock) and a supervisor
    each; 300 GP practices with a GP and the practice's system. The last day is yesterday
    (Dutch time), a day of national traffic: ≥ 200,000 summary views, per view a triage
    search, the answer at the point of care and the view (88% registered consent, 2%
    registered but unable to confirm, 4% on-the-spot consent under a policy, 1% emergency
    access), 10% with a failed search first; refusals (registered, on the spot, no policy);
    a login and a logout per shift; the practices' consent registrations (10,000 a day) and
    the GPs' registry pages. Before it, as many days of history as the size needs, each
    like it at an eighth of the views (~99,000 events a day; 35% of the staff at work),
    each day written by writers whose clock (time-machine) says that day, so the months
    lie in the ledger's month partitions as the portal files them (audit.partitions).
    On the last day also: fishers, BSNs tried again and again, views at night by day
    workers, patients viewed by many colleagues, users viewing many patients in an hour;
    relatives come by themselves (surnames drawn as often as the Netherlands has them,
    staff postal codes near their post), a few planted. Stored summaries (~8 KB of
    sections) for the patients viewed on the last day only (the relatives rule reads
    them), each enrolled with a practice (the GP notifications).
(b) The monitoring scan over that last day on the 10M ledger, as the beat task runs it:
    the watermark just before the day, then oversight.monitoring.scan.monitoring_scan in
    batches of MONITORING_SCAN_MAX_EVENTS until `more` is False. Goal ≤ 60 s. The users'
    days of activity before the day (what the scans before would have learned) are filled
    from the ledger first, once. The scan runs inside a transaction that is rolled back
    afterwards, so that a rerun scans the same state; its steps are timed.
(c) The supervisors' ledger search (/toezicht/logboek/) at 1M and 10M, each page's p50
    against the hello page with wrk (gunicorn with production settings; bench/lookup.py's
    rounds, interleaved over sizes and kinds): the newest page, one patient's BSN, one user
    over a month, the second page by the "older" link, for 10 supervisors in turn, every
    answer checked. Goal ≤ 4× hello, and 10M/1M ≤ 1.2×. Each page's statement is EXPLAINed
    (ANALYZE, BUFFERS) at 10M afterwards, printed to stderr. Beside them (e) a patient's own
    page (/mijn/, issue 16; goal ≤ 4× hello at 10M): per post, another patient viewed there
    on the last day, with their own account (address confirmed) and a session after the
    second factor.

    make bench-oversight     # = .venv/bin/python bench/oversight.py --reuse

Generating takes long (10M events: ~35 minutes on this 2-core machine, niced, with the
chain's verification): the databases are kept, and --reuse starts from them as a finished
generation left them (a run's own writes, the pages' logged reads, do not change what is
measured). --only ledger|scan|pages runs one part; --sizes 1m or 10m one ledger; --kinds
own_log (for instance) only those pages beside hello, to try a change out.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import html
import itertools
import json
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (  # noqa: E402
    BenchFailure,
    Request,
    check_response,
    create_database,
    fetch,
    recreate_database,
    setup_django,
    signed_in_session_key,
    start_gunicorn,
    stop_gunicorn,
    wait_until_listening,
)

DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/spoedinzage_bench_oversight_{}"
SIZES = {"1m": 1_000_000, "10m": 10_000_000}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SEED = 15

# The country
HAPS, SEHS, PRACTICES = 45, 15, 300
STAFF_PER_POST = 133  # triage nurses and doctors of one HAP or SEH: ~8,000 in all
PATIENTS_PER_POST = 40_000  # the patients near one post: 2.4 million in all
POLICY = "Corona Opt-in"

# The traffic
HISTORY_VIEWS_PER_DAY = 26_000
HISTORY_WORKING = 0.35  # of the staff works on a day of the history
LAST_DAY_VIEWS = 205_000
LAST_DAY_WORKING = 0.7
REGISTRATIONS_PER_DAY = 10_000  # the practices' consent registrations (batch API)
WRITE_BATCH = 20_000  # events per transaction of access_events_batched

# Goals
GOAL_SCAN_SECONDS = 60
GOAL_PAGE = 4.0
GOAL_GROWTH = 1.2

SURNAMES = (
    # The most frequent Dutch surnames, each about as often as the country has it (per 10,000
    # people, approximate: together ~10%); the rest
    # of the population gets a surname from the long tail below.
    ("de Jong", 51), ("Jansen", 45), ("de Vries", 43), ("van den Berg", 35), ("van Dijk", 34),
    ("Bakker", 34), ("Janssen", 33), ("Visser", 31), ("Smit", 27), ("Meijer", 25),
    ("de Boer", 24), ("Mulder", 23), ("de Groot", 23), ("Bos", 22), ("Vos", 20),
    ("Peters", 20), ("Hendriks", 20), ("van Leeuwen", 19), ("Dekker", 19), ("Brouwer", 18),
    ("de Wit", 18), ("Dijkstra", 17), ("Smits", 17), ("de Graaf", 16), ("van der Meer", 16),
    ("van der Linden", 15), ("Kok", 15), ("Jacobs", 15), ("de Haan", 14), ("Vermeulen", 14),
    ("van den Heuvel", 14), ("van der Veen", 13), ("van den Broek", 13), ("de Bruijn", 13),
    ("de Bruin", 13), ("van der Heijden", 13), ("Schouten", 12), ("van Beek", 12),
    ("Willems", 12), ("van Vliet", 12), ("van de Ven", 12), ("Hoekstra", 11), ("Maas", 11),
    ("Verhoeven", 11), ("Koster", 11), ("van Dam", 11), ("van der Wal", 10), ("Prins", 10),
    ("Blom", 10), ("Huisman", 10),
)  # fmt: skip
TAIL_FIRST = ("Ber", "Dui", "Gro", "Hol", "Kei", "Lan", "Mee", "Oos", "Ros", "Ste", "Ver", "Wes")
TAIL_MIDDLE = ("ken", "ter", "man", "sel", "der", "hof", "ling", "ber", "gen", "kamp", "ven")
TAIL_LAST = ("s", "a", "ink", "ema", "inga", "er", "ens", "hout", "veld", "broek", "", "stra")
FIRST_NAMES = (
    "Anna", "Emma", "Julia", "Sanne", "Lotte", "Eva", "Fleur", "Noor", "Maria", "Johanna",
    "Jan", "Piet", "Kees", "Henk", "Daan", "Sem", "Lucas", "Bram", "Thijs", "Willem",
)  # fmt: skip
STREETS = ("Dorpsstraat", "Kerkstraat", "Molenweg", "Schoolstraat", "Stationsweg", "Julianalaan")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- The country: organisations, staff, patients ---------------------------------------------


@dataclass
class Post:
    """A HAP or an SEH, or a GP practice."""

    kind: str
    name: str
    ura: str
    agb: str
    postal_area: int  # the first two digits of the postal codes around it
    staff: list[int] = field(default_factory=list)  # indexes into Country.staff


@dataclass
class Staff:
    username: str
    first_name: str
    last_name: str
    uzi: str
    role: str  # portal role
    role_code: str  # UZI role code
    post: int  # index into Country.posts
    postal_code: str
    shift_start: int  # hour of the day (Dutch time) the usual shift starts
    address: str  # the client address of the post's workstations
    actor: object = None  # audit.actors.Actor for the membership
    logout_actor: object = None


@dataclass
class Country:
    posts: list[Post]
    staff: list[Staff]
    practices: list[Post]
    supervisors: list[Staff]
    gps: list[Staff]
    bsns: list[str]  # PATIENTS_PER_POST per HAP/SEH, in post order


def surname(rng: random.Random) -> str:
    """A surname as often as the Netherlands has it: 10% the 50 most frequent ones."""
    draw = rng.randrange(10_000)
    for name, share in SURNAMES:
        if draw < share:
            return name
        draw -= share
    return rng.choice(TAIL_FIRST) + rng.choice(TAIL_MIDDLE) + rng.choice(TAIL_LAST)


def bsn_numbers(count: int, start: int = 20_000_000) -> list[str]:
    """`count` distinct BSNs that pass the 11-test: per 8-digit prefix the one check digit
    that makes it pass (none where that would be 10). Checked with audit's own test."""
    from audit.identifiers import bsn_is_valid

    found = []
    for prefix in itertools.count(start):
        digits = f"{prefix:08d}"
        check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            found.append(f"{digits}{check}")
            if len(found) == count:
                break
    if not all(bsn_is_valid(b) for b in found[:: max(1, count // 1000)]):
        raise BenchFailure("bsn_numbers made a BSN that fails the 11-test")
    return found


def postal_code(rng: random.Random, area: int) -> str:
    """A Dutch postal code (1234AB) in the area around a post: 10 × 676 codes per area."""
    return f"{area}{rng.randrange(10, 20)}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"


def country_make(seed: int = SEED) -> Country:
    """The posts, their staff (with their usual shift), the practices and their GPs."""
    from audit.actors import Actor

    rng = random.Random(f"{seed}-country")
    posts, staff, supervisors = [], [], []
    for n in range(HAPS + SEHS):
        kind = "hap" if n < HAPS else "seh"
        place = f"Regio {n + 1:02d}" if kind == "hap" else f"Ziekenhuis {n - HAPS + 1:02d}"
        post = Post(kind, f"{kind.upper()} {place}", f"9{n + 1:07d}", "", 10 + int(n * 1.5))
        posts.append(post)
        for m in range(STAFF_PER_POST + 1):
            first, last = rng.choice(FIRST_NAMES), surname(rng)
            slug = re.sub(r"[^a-z]", "", last.lower())
            supervising = m == STAFF_PER_POST
            doctor = not supervising and rng.random() < 0.25
            # A HAP works out of hours (evening, night); an SEH around the clock.
            shifts = (16, 17, 23, 0, 8) if kind == "hap" else (7, 8, 15, 16, 23)
            person = Staff(
                username=f"{first[0].lower()}.{slug}.{n + 1:02d}{m:03d}",
                first_name=first,
                last_name=last,
                uzi=f"{900_000_000 + n * 1000 + m}",
                role="supervisor" if supervising else ("doctor" if doctor else "triage"),
                role_code="00.000" if supervising else ("01.015" if doctor else "30.000"),
                post=n,
                postal_code=postal_code(rng, post.postal_area) if rng.random() < 0.8 else "",
                shift_start=rng.choice(shifts),
                address=f"145.{n + 10}.{m // 200}.{m % 200 + 10}",
            )
            (supervisors if supervising else staff).append(person)
            if not supervising:
                post.staff.append(len(staff) - 1)
    practices, gps = [], []
    for n in range(PRACTICES):
        practice = Post("gp_practice", f"Huisartsenpraktijk {n + 1:03d}", "", f"0{n + 1:07d}", 0)
        practice.ura = f"8{n + 1:07d}"
        practices.append(practice)
        last = surname(rng)
        gps.append(
            Staff(
                username=f"gp.{n + 1:03d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=last,
                uzi=f"{800_000_000 + n}",
                role="gp",
                role_code="01.015",
                post=n,
                postal_code="",
                shift_start=8,
                address=f"83.{n // 200 + 10}.{n % 200 + 10}.1",
            )
        )
    for person in staff + supervisors:
        post = posts[person.post]
        person.actor = Actor(
            username=person.username,
            name=f"{person.first_name} {person.last_name}",
            uzi_number=person.uzi,
            role_code=person.role_code,
            portal_role=person.role,
            organisation_ura=post.ura,
            organisation_agb=post.agb,
            organisation_name=post.name,
        )
    for person in staff + gps:
        person.logout_actor = Actor(
            username=person.username,
            name=f"{person.first_name} {person.last_name}",
            uzi_number=person.uzi,
        )
    for gp in gps:
        practice = practices[gp.post]
        gp.actor = Actor(
            username=gp.username,
            name=f"{gp.first_name} {gp.last_name}",
            uzi_number=gp.uzi,
            role_code=gp.role_code,
            portal_role=gp.role,
            organisation_ura=practice.ura,
            organisation_agb=practice.agb,
            organisation_name=practice.name,
        )
    bsns = bsn_numbers(len(posts) * PATIENTS_PER_POST)
    return Country(posts, staff, practices, supervisors, gps, bsns)


def country_store(country: Country) -> None:
    """The posts, practices, accounts and memberships in the portal's tables (the relatives
    rule reads the staff's surnames and postal codes there; the supervisors sign in)."""
    from django.db import transaction

    from portal.models import Membership, Organisation, User
    from summaries.models import GpPractice

    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            [Organisation(kind=p.kind, name=p.name, ura=p.ura, agb=p.agb) for p in country.posts]
            + [
                Organisation(kind=p.kind, name=p.name, ura=p.ura, agb=p.agb)
                for p in country.practices
            ]
        )
        GpPractice.objects.bulk_create(
            GpPractice(
                agb=p.agb,
                ura=p.ura,
                name=p.name,
                fhir_base_url=f"https://his.example/{p.agb}/fhir",
                token="bench-token",  # noqa: S106 - never pulled
            )
            for p in country.practices
        )
        people = country.staff + country.supervisors + country.gps
        users = User.objects.bulk_create(
            [
                User(
                    username=s.username,
                    first_name=s.first_name,
                    last_name=s.last_name,
                    uzi_number=s.uzi,
                    password="!",  # noqa: S106 - unusable: the bench signs in by session
                )
                for s in people
            ],
            batch_size=2_000,
        )
        offset = len(country.posts)
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    organisation=organisations[s.post + (offset if s.role == "gp" else 0)],
                    role=s.role,
                    uzi_role_code=s.role_code,
                    postal_code=s.postal_code,
                )
                for s, user in zip(people, users, strict=True)
            ],
            batch_size=2_000,
        )


# --- The traffic: one day's events, in time order ---------------------------------------------

# An event to write: (time, tie-break, kind, who, patient, extra). `who` is a Staff.
Spec = tuple


@dataclass
class DayPlan:
    day: dt.date
    views: int
    working: float
    last: bool = False  # the day of national traffic, with the misuse to find
    specs: list[Spec] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)
    viewed: dict[str, tuple[Staff, int]] = field(default_factory=dict)  # bsn -> viewer, post

    def add(self, at: dt.datetime, kind: str, who: Staff, bsn: str = "", extra=None) -> None:
        self.specs.append((at, next(self.counter), kind, who, bsn, extra))


def local(day: dt.date, hour: float) -> dt.datetime:
    """`hour` hours after midnight of `day`, Dutch time (may run into the next day), in UTC."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=AMSTERDAM)
    return (start + dt.timedelta(hours=hour)).astimezone(dt.UTC)


def encounter_add(
    plan: DayPlan, rng: random.Random, who: Staff, bsn: str, at: dt.datetime, basis: str
) -> None:
    """One patient at the point of care, as triage writes it: (a failed search,) the search
    that opens the encounter, the patient's answer, and the view or its refusal."""
    encounter = uuid.UUID(int=rng.getrandbits(128), version=4)
    if rng.random() < 0.10:
        plan.add(at - dt.timedelta(seconds=rng.randrange(20, 90)), "search_nobody", who, bsn)
    if basis == "registered_refusal":
        plan.add(at, "search_refused", who, bsn)
        return
    plan.add(at, "search_found", who, bsn, encounter)
    answered = at + dt.timedelta(seconds=rng.randrange(40, 240))
    shown = answered + dt.timedelta(seconds=rng.randrange(2, 30))
    plan.add(answered, "answer", who, bsn, (encounter, basis))
    if basis in DENIED:
        plan.add(shown, "denied", who, bsn, (encounter, basis))
    else:
        plan.add(shown, "view", who, bsn, (encounter, basis))
        if plan.last:
            plan.viewed.setdefault(bsn, (who, who.post))


def basis_draw(rng: random.Random) -> str:
    """The consent basis of an encounter (consent.decision): the patient's registered choice
    and what they answered at the point of care, or what a policy allowed."""
    draw = rng.random()
    if draw < 0.88:
        return "registered_consent"  # agrees
    if draw < 0.90:
        return "registered_consent_unconfirmed"  # cannot consent: an emergency_access answer
    if draw < 0.94:
        return "on_the_spot_consent"  # blank, agrees, under the policy
    if draw < 0.95:
        return "emergency_access"  # blank, cannot consent, under the policy
    if draw < 0.97:
        return "registered_refusal"  # the search finds a refusal
    if draw < 0.985:
        return "refusal_on_the_spot"
    if draw < 0.987:
        return "emergency_refused"  # cannot consent where no policy allows it
    return "no_policy_in_force"  # blank, agrees, no policy in force


DENIED = ("refusal_on_the_spot", "emergency_refused", "no_policy_in_force")
SHOWING_NOTHING = ("registered_refusal", *DENIED)
CANNOT_CONSENT = ("registered_consent_unconfirmed", "emergency_access", "emergency_refused")


def patient_near(rng: random.Random, country: Country, post: int) -> str:
    """A patient near the post (most of them), or from anywhere."""
    if rng.random() < 0.1:
        return country.bsns[rng.randrange(len(country.bsns))]
    return country.bsns[post * PATIENTS_PER_POST + rng.randrange(PATIENTS_PER_POST)]


def day_plan(country: Country, plan: DayPlan, seed: int = SEED) -> DayPlan:
    """The day's events: the working staff's shifts (login, encounters, logout), the
    practices' registrations and the GPs' registry pages; on the last day also the misuse
    the rules look for. Sorted by time."""
    rng = random.Random(f"{seed}-{plan.day.isoformat()}")
    working = [s for s in country.staff if rng.random() < plan.working]
    per_person, extra = divmod(plan.views, len(working))
    for n, who in enumerate(working):
        start = who.shift_start + rng.uniform(-0.5, 0.5)
        plan.add(local(plan.day, start), "login", who)
        encounters = per_person + (n < extra)
        # Counted in views: the encounters that show nothing (refusals) come on top.
        times = sorted(rng.uniform(start + 0.1, start + 8) for _ in range(encounters))
        for hour in times:
            basis = basis_draw(rng)
            while basis in SHOWING_NOTHING:
                encounter_add(
                    plan,
                    rng,
                    who,
                    patient_near(rng, country, who.post),
                    local(plan.day, hour),
                    basis,
                )
                basis = basis_draw(rng)
            encounter_add(
                plan, rng, who, patient_near(rng, country, who.post), local(plan.day, hour), basis
            )
        plan.add(local(plan.day, start + 8.2), "logout", who, extra="user")
    registrations_add(plan, rng, country)
    if plan.last:
        misuse_add(plan, rng, country, working)
    plan.specs.sort(key=lambda spec: (spec[0], spec[1]))
    return plan


def registrations_add(plan: DayPlan, rng: random.Random, country: Country) -> None:
    """The practices' batches of consent registrations (each batch one request: one time),
    and GPs reading their patients' registry page."""
    left = REGISTRATIONS_PER_DAY
    while left > 0:
        gp = rng.choice(country.gps)
        size = min(left, rng.choice((50, 200, 500, 1000)))
        at = local(plan.day, rng.uniform(7, 22))
        for _ in range(size):
            plan.add(
                at, "registration", gp, country.bsns[rng.randrange(len(country.bsns))], rng.random()
            )
        left -= size
    for _ in range(200):
        gp = rng.choice(country.gps)
        bsn = country.bsns[rng.randrange(len(country.bsns))]
        at = local(plan.day, rng.uniform(8, 17))
        plan.add(at, "registry_search", gp, bsn)
        plan.add(at + dt.timedelta(seconds=5), "registry_view", gp, bsn)


def misuse_add(plan: DayPlan, rng: random.Random, country: Country, working: list[Staff]) -> None:
    """What the rules should find on the last day (besides what the traffic gives by itself:
    emergency access, views under a policy, shared surnames and postal codes)."""
    # Fishers: 25 searches that find nobody over six hours.
    for who in rng.sample(working, 3):
        for _ in range(25):
            at = local(plan.day, who.shift_start + rng.uniform(0.5, 6.5))
            plan.add(at, "search_nobody", who, patient_near(rng, country, who.post))
    # One BSN tried with four birth dates in a quarter of an hour.
    for who in rng.sample(working, 5):
        bsn, start = patient_near(rng, country, who.post), who.shift_start + rng.uniform(1, 6)
        for k in range(4):
            plan.add(local(plan.day, start + k * 0.06), "search_nobody", who, bsn)
    # Views at night by people who work days.
    day_workers = [s for s in country.staff if s.shift_start in (7, 8)]
    for who in rng.sample(day_workers, 20):
        for k in range(2):
            at = local(plan.day, 3 + k * 0.3)
            encounter_add(
                plan, rng, who, patient_near(rng, country, who.post), at, "registered_consent"
            )
    # Many patients in an hour.
    for who in rng.sample(working, 5):
        start = who.shift_start + rng.uniform(1, 6)
        for k in range(20):
            at = local(plan.day, start + k * 0.045)
            encounter_add(
                plan, rng, who, patient_near(rng, country, who.post), at, "registered_consent"
            )
    # A well-known patient viewed by six colleagues within the hour.
    for post in rng.sample(
        [p for p in range(len(country.posts)) if len(country.posts[p].staff) > 6], 2
    ):
        bsn = patient_near(rng, country, post)
        colleagues = [country.staff[i] for i in rng.sample(country.posts[post].staff, 6)]
        for k, who in enumerate(colleagues):
            encounter_add(plan, rng, who, bsn, local(plan.day, 20 + k * 0.1), "registered_consent")


# --- Writing the events through the ledger's own write path ------------------------------------


def spec_write(spec: Spec) -> None:
    """One event by its function in audit/events.py, in the request context the portal would
    have given it (the time, the workstation's address, the session, a request id)."""
    from audit import context as request_context
    from audit import events
    from audit.models import ConsentBasis, EventType

    at, order, kind, who, bsn, extra = spec
    session = f"{who.username}:{at.date().isoformat()}"
    request_context.set_current(
        request_context.RequestContext(
            request_id=f"{order:08x}{hashlib.md5(session.encode(), usedforsecurity=False).hexdigest()[:24]}",
            client_address=who.address,
            started_at=at,
            session_key=lambda: session,
        )
    )
    actor = who.actor
    if kind == "search_found":
        events.patient_searched(actor=actor, patient_bsn=bsn, found="patient", encounter=extra)
    elif kind == "search_nobody":
        events.patient_searched(actor=actor, patient_bsn=bsn, found="nobody")
    elif kind == "search_refused":
        events.patient_searched(
            actor=actor, patient_bsn=bsn, found="refused", registered_refusal=True
        )
    elif kind == "answer":
        encounter, basis = extra
        cannot = basis in CANNOT_CONSENT
        events.point_of_care_answered(
            actor=actor,
            patient_bsn=bsn,
            event_type=(
                EventType.EMERGENCY_ACCESS
                if cannot
                else EventType.CONSENT_REFUSED
                if basis == "refusal_on_the_spot"
                else EventType.CONSENT_RECORDED
            ),
            encounter=encounter,
            by_representative=False,
            representative="",
            indications=(
                ["suspected_covid"] if basis in ("on_the_spot_consent", "emergency_access") else []
            ),
            emergency_reason="unconscious" if cannot else "",
            register_lasting=False,
            refused=basis == "emergency_refused",
        )
    elif kind == "view":
        encounter, basis = extra
        emergency = basis == "emergency_access"
        events.summary_viewed(
            actor=actor,
            patient_bsn=bsn,
            encounter=encounter,
            reason={
                "registered_consent": "registered_consent",
                "registered_consent_unconfirmed": "registered_consent_unconfirmed",
                "on_the_spot_consent": "on_the_spot_under_policy",
                "emergency_access": "emergency_under_policy",
            }[basis],
            consent_basis=ConsentBasis(basis),
            consent_policy=POLICY if basis in ("on_the_spot_consent", "emergency_access") else "",
            emergency=emergency,
        )
    elif kind == "denied":
        encounter, basis = extra
        events.access_denied(
            actor=actor,
            reason=(
                "refused_on_the_spot" if basis == "refusal_on_the_spot" else "no_policy_in_force"
            ),
            patient_bsn=bsn,
            encounter=encounter,
            reading=True,
            consent_basis=(
                ConsentBasis.REFUSAL_ON_THE_SPOT
                if basis == "refusal_on_the_spot"
                else ConsentBasis.NONE
            ),
        )
    elif kind == "login":
        events.login_succeeded(actor=actor, method={"method": "password+second factor"})
    elif kind == "logout":
        events.logged_out(actor=who.logout_actor, reason=extra)
    elif kind == "registration":
        practice_actor = practice_system(who)
        events.consent_registered(
            actor=practice_actor,
            patient_bsn=bsn,
            scope="both",
            decision="consent" if extra < 0.9 else "refusal",
            source="gp_practice",
            by_representative=False,
            registration_id=int(extra * 1e9),
        )
    elif kind == "registry_search":
        events.registry_searched(actor=actor, patient_bsn=bsn, found=True, enrolled_elsewhere=False)
    elif kind == "registry_view":
        events.registry_viewed(actor=actor, patient_bsn=bsn, consultations_shown=2)
    else:
        raise ValueError(kind)


_SYSTEMS: dict[str, object] = {}


def practice_system(gp: Staff):
    """The practice's system, as the batch API names it (registry.api.auth)."""
    from audit.actors import Actor

    actor = _SYSTEMS.get(gp.username)
    if actor is None:
        practice = gp.actor
        actor = _SYSTEMS[gp.username] = Actor(
            username=f"api:{practice.organisation_agb}",
            name=f"{practice.organisation_name} (API key Bench.{practice.organisation_agb})",
            organisation_ura=practice.organisation_ura,
            organisation_agb=practice.organisation_agb,
            organisation_name=practice.organisation_name,
        )
    return actor


def specs_write(specs: list[Spec], bsns: set[str]) -> None:
    """The events, WRITE_BATCH a transaction, through access_events_batched: checked as one
    by one, chained and copied as the portal's batch API writes them."""
    from django.db import transaction

    from audit import context as request_context
    from audit.bulk import collection_paused
    from audit.services import access_events_batched

    for start in range(0, len(specs), WRITE_BATCH):
        with collection_paused(), transaction.atomic():
            with access_events_batched(valid_bsns=bsns):
                for spec in specs[start : start + WRITE_BATCH]:
                    spec_write(spec)
        request_context.set_current(None)


# --- The stored summaries of the last day's patients ----------------------------------------


def summaries_store(
    country: Country, viewed: dict[str, tuple[Staff, int]], seed: int = SEED
) -> int:
    """A summary of ~10 KB for each patient viewed on the last day, enrolled with a practice:
    the patient's name and address as the parser keeps them (for the relatives rule); some
    of them a relative or a neighbour of the user who viewed them."""
    from django.db import connection, transaction

    from summaries.fhir.model import (
        Episode,
        GpInfo,
        JournalEntry,
        Medication,
        PatientInfo,
        ProfessionalSummary,
    )
    from summaries.models import GpPractice

    rng = random.Random(f"{seed}-summaries")
    practice_ids = list(GpPractice.objects.order_by("agb").values_list("pk", flat=True))
    words = "pijn klachten sinds dagen koorts hoest misselijk advies controle bij verergering terugbellen".split()
    planted = 0
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(
            "COPY summaries_summary (bsn, birth_date, practice_id, source_version, "
            "source_updated_at, fetched_at, fhir_version, sections, source, size_bytes) FROM STDIN"
        ) as copy:
            practice_of = {}
            for bsn, (viewer, post) in viewed.items():
                practice_of[bsn] = rng.choice(practice_ids)
                name = f"{rng.choice(FIRST_NAMES)} {surname(rng)}"
                code = postal_code(rng, country.posts[post].postal_area)
                if planted < 40 and rng.random() < 0.001:
                    planted += 1
                    if planted % 2:
                        name = f"{rng.choice(FIRST_NAMES)} {surname(rng)}-{viewer.last_name}"
                    elif viewer.postal_code:
                        code = viewer.postal_code
                birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(32_000))
                summary = ProfessionalSummary(
                    patient=PatientInfo(
                        bsn=bsn,
                        name=name,
                        birth_date=birth.isoformat(),
                        sex=rng.choice(("female", "male")),
                        address=f"{rng.choice(STREETS)} {rng.randrange(1, 200)}, {code[:4]} {code[4:]} Plaats",
                    ),
                    gp=GpInfo(name="Dokter", practice_name="Praktijk"),
                    medication=tuple(
                        Medication(
                            name=f"Middel {rng.randrange(1000)} mg", dosage="2 dd 1", kind="use"
                        )
                        for _ in range(rng.randrange(2, 10))
                    ),
                    episodes=tuple(
                        Episode(
                            title=" ".join(rng.choices(words, k=4)),
                            icpc=f"K{rng.randrange(10, 99)}",
                        )
                        for _ in range(rng.randrange(2, 8))
                    ),
                    journal=tuple(
                        JournalEntry(
                            date=(birth + dt.timedelta(days=rng.randrange(20_000))).isoformat(),
                            s=" ".join(rng.choices(words, k=20)),
                            o=" ".join(rng.choices(words, k=12)),
                            e=" ".join(rng.choices(words, k=4)),
                            p=" ".join(rng.choices(words, k=10)),
                        )
                        for _ in range(rng.randrange(8, 24))
                    ),
                )
                sections = summary.to_json()
                copy.write_row(
                    (bsn, birth, practice_of[bsn], "0" * 64, now, now, "R4",
                     sections.decode(), "[]", len(sections))
                )  # fmt: skip
        with cursor.copy("COPY summaries_enrolment (bsn, practice_id, since) FROM STDIN") as copy:
            for bsn, practice_id in practice_of.items():
                copy.write_row((bsn, practice_id, now))
        cursor.execute("ANALYZE summaries_summary")
        cursor.execute("ANALYZE summaries_enrolment")
    return planted


# --- The databases and what the bench knows of them ------------------------------------------


def database_use(size: str, *, fresh: bool) -> str:
    """Point Django's connection at the size's database (dropped and created again when
    `fresh`), migrated. Returns its URL."""
    from django.core.management import call_command
    from django.db import connection

    url = os.environ.get(f"BENCH_OVERSIGHT_{size.upper()}_URL", DATABASE_URL.format(size))
    if fresh:
        connection.close()
        recreate_database(url)
    else:
        create_database(url)
    os.environ["DATABASE_URL"] = url
    connection.close()
    connection.settings_dict["NAME"] = urlsplit(url).path.lstrip("/")
    call_command("migrate", verbosity=0)
    return url


def meta_read() -> dict:
    """What the generation recorded (empty for a database not generated in full)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_oversight_meta')")
        if cursor.fetchone()[0] is None:
            return {}
        cursor.execute("SELECT value FROM bench_oversight_meta WHERE key = 'generated'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else {})


def meta_write(value: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_oversight_meta (key text PRIMARY KEY, value jsonb)"
        )
        cursor.execute(
            "INSERT INTO bench_oversight_meta VALUES ('generated', %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


def niced(on: bool) -> None:
    """Generation at a lower priority (this process and its PostgreSQL backend): the machine
    is shared. The measurements run at the normal one."""
    from django.db import connection

    priority = 10 if on else 0
    os.setpriority(os.PRIO_PROCESS, 0, priority)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        os.setpriority(os.PRIO_PROCESS, cursor.fetchone()[0], priority)


# --- (a) The ledger ---------------------------------------------------------------------------


def ledger_generate(size: str, events: int, last_day: dt.date) -> dict:
    """The country, `events` or more ledger events ending with the national day `last_day`,
    the last day's patients' summaries; then the whole chain verified."""
    import time_machine
    from django.db import connection

    from audit.models import AccessEvent
    from audit.partitions import month_of, partitions_ensure, partitions_list
    from audit.verification import ledger_verify

    started = time.perf_counter()
    niced(True)
    country = country_make()
    country_store(country)
    valid = set(country.bsns)
    last = day_plan(country, DayPlan(last_day, LAST_DAY_VIEWS, LAST_DAY_WORKING, last=True))
    budget = events - len(last.specs)
    # The history: days like the day before the last, as many as the size needs.
    sample = day_plan(
        country, DayPlan(last_day - dt.timedelta(days=1), HISTORY_VIEWS_PER_DAY, HISTORY_WORKING)
    )
    days = max(0, -(-budget // len(sample.specs)))
    views = int(HISTORY_VIEWS_PER_DAY * budget / (max(days, 1) * len(sample.specs)) * 1.01) + 1
    del sample
    log(f"{size}: last day {last_day} ({len(last.specs):,} events), {days} days of history before it "
        f"(~{views:,} views, ~{budget // days:,} events a day)")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # this session only; a bench database
    # Each day written by writers whose clock says that day (time-machine), so each month
    # of the history is a partition of its own, as the portal would have filed it.
    partitions_ensure(since=month_of(local(last_day - dt.timedelta(days=days), 12)))
    written = 0
    for n in range(days, 0, -1):
        day = last_day - dt.timedelta(days=n)
        plan = day_plan(country, DayPlan(day, views, HISTORY_WORKING))
        with time_machine.travel(local(day, 30), tick=True):  # the next morning
            specs_write(plan.specs, valid)
        written += len(plan.specs)
        rate = written / (time.perf_counter() - started)
        log(f"{size}: {day} written, {written:,} events ({rate:,.0f}/s)")
    first_seq = written + 1
    with time_machine.travel(local(last_day, 30), tick=True):
        specs_write(last.specs, valid)
    written += len(last.specs)
    log(f"{size}: last day written, {written:,} events")
    planted = summaries_store(country, last.viewed)
    log(f"{size}: {len(last.viewed):,} summaries stored ({planted} relatives planted)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_accessevent")
    generated_seconds = time.perf_counter() - started
    total = AccessEvent.objects.count()
    if total != written or total < events:
        raise BenchFailure(
            f"{size}: {total:,} events in the ledger, {written:,} written, {events:,} wanted"
        )
    log(f"{size}: verifying the chain of {total:,} events (audit.verification.ledger_verify)")
    verify_started = time.perf_counter()
    result = ledger_verify()
    verify_seconds = time.perf_counter() - verify_started
    if not result.intact or result.checked != total:
        raise BenchFailure(
            f"{size}: the ledger does not verify: {result.first_break}, checked {result.checked:,}"
        )
    niced(False)
    views_last = sum(1 for spec in last.specs if spec[2] == "view")
    months = [p.name for p in partitions_list() if not p.empty]
    log(f"{size}: the ledger's months: {', '.join(months)}")
    meta = {
        "events": total,
        "months": months,
        "last_day": last_day.isoformat(),
        "last_day_first_seq": first_seq,
        "last_day_events": len(last.specs),
        "last_day_views": views_last,
        "history_days": days,
        "history_views_per_day": views,
        "summaries": len(last.viewed),
        "planted_relatives": planted,
        "staff": len(country.staff),
        "generated_seconds": round(generated_seconds),
        "verified": {
            "intact": True,
            "checked": result.checked,
            "seconds": round(verify_seconds, 1),
        },
    }
    meta_write(meta)
    log(f"{size}: generated in {generated_seconds / 60:.0f} min; ledger_verify: intact, "
        f"{result.checked:,} events in {verify_seconds:.0f} s")  # fmt: skip
    return meta


def ledger_ready(size: str, reuse: bool) -> dict:
    """The size's database, generated now or (with --reuse) as a run before left it."""
    if reuse:
        database_use(size, fresh=False)
        meta = meta_read()
        if meta:
            log(f"{size}: reusing {meta['events']:,} events (last day {meta['last_day']}; "
                f"verified intact at generation: {meta['verified']['checked']:,} events)")  # fmt: skip
            return meta
    database_use(size, fresh=True)
    yesterday = dt.datetime.now(AMSTERDAM).date() - dt.timedelta(days=1)
    return ledger_generate(size, SIZES[size], yesterday)


# --- (b) The monitoring scan over the last day ------------------------------------------------


class _RolledBack(Exception):
    """Ends the scan's outer transaction without a commit: a rerun scans the same state."""


def activity_learn(meta: dict) -> int:
    """The users' days of triage work before the last day (audit.MonitoringActivityDay), as
    the scans before would have left them: the rule's own hours (Dutch time) and event types
    (oversight.monitoring.rules.hours), over the period it looks back on. Once per database."""
    from django.conf import settings
    from django.db import connection

    from audit.models import MonitoringActivityDay
    from oversight.monitoring.rules.hours import _WORK_TYPES

    if MonitoringActivityDay.objects.exists():
        return MonitoringActivityDay.objects.count()
    last_day = dt.date.fromisoformat(meta["last_day"])
    since = dt.datetime.combine(
        last_day - dt.timedelta(days=settings.MONITORING_USUAL_HOURS_DAYS + 1),
        dt.time(),
        tzinfo=AMSTERDAM,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {MonitoringActivityDay._meta.db_table} (username, day, hours)
            SELECT user_username, (occurred_at AT TIME ZONE %(tz)s)::date,
                   bit_or(1 << extract(hour FROM occurred_at AT TIME ZONE %(tz)s)::int)
            FROM audit_accessevent
            WHERE occurred_at >= %(since)s AND seq < %(first)s AND user_username <> ''
              AND (event_type = ANY(%(work)s)
                   OR (event_type = 'patient_search' AND purpose_of_use = 'TREAT'))
            GROUP BY 1, 2
            """,  # noqa: S608 - the table's name from the model
            {
                "tz": settings.TIME_ZONE,
                "since": since,
                "first": meta["last_day_first_seq"],
                "work": list(_WORK_TYPES),
            },
        )
        learned = cursor.rowcount
        cursor.execute(f"ANALYZE {MonitoringActivityDay._meta.db_table}")
    return learned


def scan_run(meta: dict) -> dict:
    """The watermark just before the last day, then monitoring_scan in batches of
    MONITORING_SCAN_MAX_EVENTS until it says there is no more, each call timed; inside one
    transaction rolled back at the end (the alerts, notifications and days it writes are
    counted, not kept)."""
    from django.conf import settings
    from django.db import connection, transaction

    from audit.models import MonitoringWatermark
    from oversight.monitoring.scan import monitoring_scan

    last_day = dt.date.fromisoformat(meta["last_day"])
    now = local(last_day + dt.timedelta(days=1), 0.25)
    result = {"seconds": 0.0, "batches": [], "events": 0, "alerts": {}, "notified": 0}
    try:
        with scan_steps_timed() as steps, transaction.atomic():
            MonitoringWatermark.objects.update_or_create(
                pk=1, defaults={"seq": meta["last_day_first_seq"] - 1}
            )
            more = True
            while more:
                started = time.perf_counter()
                scanned = monitoring_scan(now=now, max_events=settings.MONITORING_SCAN_MAX_EVENTS)
                seconds = time.perf_counter() - started
                more = scanned.more
                result["seconds"] += seconds
                result["batches"].append(round(seconds, 2))
                result["events"] += scanned.events
                result["notified"] += scanned.notified
                for kind, n in scanned.alerts.items():
                    result["alerts"][kind] = result["alerts"].get(kind, 0) + n
                log(f"scan batch: {scanned.events:,} events up to #{scanned.up_to_seq:,} in "
                    f"{seconds:.1f} s, alerts {scanned.alerts}")  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM audit_misusealertevent")
                result["linked"] = cursor.fetchone()[0]
            raise _RolledBack
    except _RolledBack:
        pass
    result["steps"] = {step: round(seconds, 2) for step, seconds in steps.items()}
    return result


@contextlib.contextmanager
def scan_steps_timed():
    """Where the scan's time goes: the window, each rule's query, raising the alerts, the GP
    notifications, each summed over the batches. The scan's own functions, wrapped in a
    timer for the run (names looked up in oversight.monitoring.scan)."""
    from oversight.monitoring import scan

    steps: dict[str, float] = {}

    def timed(name, function):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                label = name(*args) if callable(name) else name
                steps[label] = steps.get(label, 0.0) + time.perf_counter() - started

        return call

    original = {n: getattr(scan, n) for n in ("window_open", "gp_notifications_make", "_raise")}
    original["rules_in_force"] = scan.rules_in_force

    def rules_in_force():
        return [
            dataclasses.replace(r, function=timed(f"rule {r.kind}", r.function))
            for r in original["rules_in_force"]()
        ]

    scan.window_open = timed("window (fill the temporary table)", original["window_open"])
    scan.gp_notifications_make = timed("GP notifications", original["gp_notifications_make"])
    scan._raise = timed("raising the alerts (misuse_alert_raise)", original["_raise"])
    scan.rules_in_force = rules_in_force
    try:
        yield steps
    finally:
        for name, function in original.items():
            setattr(scan, name, function)


# --- (c) The supervisors' ledger search against hello ---------------------------------------

PAGE_PATH = "/toezicht/logboek/"
HELLO_PATH = "/bench/hello/"
ALL_PAGE_KINDS = ("hello", "newest", "patient", "user_month", "older", "own_log")
PAGE_KINDS = ALL_PAGE_KINDS  # those measured (--kinds; hello always)
OWN_LOG_PATH = "/mijn/"
PAGE_LABELS = {
    "hello": "hello",
    "newest": "(a) newest page, no filter",
    "patient": "(b) one patient's BSN",
    "user_month": "(c) one user over a month",
    "older": '(d) second page ("older" link)',
    "own_log": "(e) the patient's own page, /mijn/ (issue 16)",
}
SUPERVISORS = 10  # posts whose supervisors take turns (each with their own filters)
OLDER_LINK = re.compile(r'<a[^>]*rel="next"[^>]*href="([^"]+)"')


def supervisor_cookie(membership) -> str:
    """A session of the membership's user as after password + TOTP (the session keys
    portal.middleware and portal.access read), with a CSRF secret: the cookie header."""

    from portal.access import SESSION_MEMBERSHIP

    key = signed_in_session_key(membership.user, **{SESSION_MEMBERSHIP: membership.pk})
    return f"sessionid={key}; csrftoken={secrets.token_hex(16)}"


def patient_cookie(bsn: str) -> str:
    """The patient's own account (opened as by an activation code, the address confirmed)
    and a session of it after password + TOTP: the cookie header for /mijn/."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from patients.models import PatientAccount
    from portal.models import User

    email = f"patient-{bsn}@bench.invalid"
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email, is_patient=True)
        user.set_unusable_password()
        user.save()
        PatientAccount.objects.create(
            user=user,
            bsn=bsn,
            birth_date=dt.date(1970, 1, 1),
            opened_at=timezone.now(),
            established_by="bench",
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return f"sessionid={signed_in_session_key(user)}; csrftoken={secrets.token_hex(16)}"


def page_requests(meta: dict, base_url: str) -> dict[str, list[Request]]:
    """Per kind, one request for each of SUPERVISORS posts' supervisors: the newest page; a
    patient their staff viewed on the last day; one of their staff over the month up to the
    last day; and the page the newest page's "older" link opens (read from the page)."""
    from django.db import connection

    from portal.models import Membership

    last_day = dt.date.fromisoformat(meta["last_day"])
    month = f"van={(last_day - dt.timedelta(days=29)).isoformat()}&tot={last_day.isoformat()}"
    supervisors = list(
        Membership.objects.filter(role="supervisor")
        .select_related("user", "organisation")
        .order_by("organisation__ura")[:SUPERVISORS]
    )
    requests: dict[str, list[Request]] = {kind: [] for kind in ALL_PAGE_KINDS}
    rows = 'data-testid="ledger"'
    for membership in supervisors:
        cookie = supervisor_cookie(membership)
        ura = membership.organisation.ura
        with connection.cursor() as cursor:
            # A patient viewed at the post on the last day, and one of its staff who worked.
            cursor.execute(
                "SELECT patient_bsn, user_username, user_name FROM audit_accessevent "
                "WHERE organisation_ura = %s AND event_type = 'summary_view' AND seq >= %s "
                "ORDER BY seq LIMIT 1",
                [ura, meta["last_day_first_seq"]],
            )
            bsn, username, name = cursor.fetchone()
            # Another patient viewed there that day for their own page (e): the one above
            # gets every (b) request's ledger event, thousands a run, as no patient would.
            cursor.execute(
                "SELECT patient_bsn FROM audit_accessevent WHERE organisation_ura = %s "
                "AND event_type = 'summary_view' AND seq >= %s AND patient_bsn <> %s "
                "ORDER BY seq LIMIT 1",
                [ura, meta["last_day_first_seq"], bsn],
            )
            (own_bsn,) = cursor.fetchone()
        newest = Request("newest", PAGE_PATH, cookie, text=rows)
        status, _location, body = fetch(base_url, newest)
        check_response(newest, status, _location, body)
        older = OLDER_LINK.search(body)
        if not older:
            raise BenchFailure(f"{ura}: the newest page has no link to older events")
        requests["hello"].append(Request("hello", HELLO_PATH, cookie, text="hello"))
        requests["newest"].append(newest)
        requests["patient"].append(
            Request("patient", f"{PAGE_PATH}?bsn={bsn}", cookie, text=f">{bsn}</td>")
        )
        requests["user_month"].append(
            Request(
                "user_month",
                f"{PAGE_PATH}?gebruiker={username}&{month}",
                cookie,
                text=html.escape(name),
            )
        )
        link = html.unescape(older.group(1))
        requests["older"].append(Request("older", PAGE_PATH + link, cookie, text='rel="prev"'))
        # A patient on their own page (issue 16): every access to their data.
        requests["own_log"].append(
            Request(
                "own_log", OWN_LOG_PATH, patient_cookie(own_bsn), text='data-testid="access-log"'
            )
        )
    return requests


def page_rounds(metas: dict) -> tuple[dict[str, dict[str, list[dict]]], dict]:
    """A gunicorn per size (production settings, bench/lookup.py's), started together; each
    round runs every kind on each size in turn, so a disturbance of this shared machine hits
    sizes and kinds alike (as bench/lookup.py). Per size and kind, one wrk result a round."""
    from django.db import connection

    from bench.lookup import ROUNDS, Target, checked_run, collect_static, server_env

    targets = []
    # Before the servers start: they read the manifest once (on a fresh machine there is none).
    collect_static(server_env(database_use(next(iter(metas)), fresh=False)))
    for size in metas:
        url = database_use(size, fresh=False)
        target = Target(SIZES[size], metas[size]["events"], url)
        target.server = start_gunicorn(size, "bench.wsgi", server_env(url))
        targets.append((size, target))
    try:
        for size, target in targets:
            wait_until_listening(target.server)
            database_use(size, fresh=False)
            target.requests = page_requests(metas[size], target.server.base_url)
            connection.close()
        runs = {size: {kind: [] for kind in PAGE_KINDS} for size in metas}
        for n in range(1, ROUNDS + 1):
            for size, target in targets:
                for kind in PAGE_KINDS:
                    label = f"round {n}/{ROUNDS}, {size}, {kind}"
                    runs[size][kind].append(checked_run(target, kind, label))
        size, target = targets[-1]
        database_use(size, fresh=False)
        plans = explain_plans(metas[size], target.requests)
        return runs, {"size": size, "plans": plans}
    finally:
        for _size, target in targets:
            stop_gunicorn(target.server)


def explain_plans(meta: dict, requests: dict[str, list[Request]]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement behind each page kind for the first
    supervisor, as oversight.ledger.sql.page_rows runs it (its filters, its order, size + 1
    rows, prepared, its settings): to name the index a slow page misses."""
    from urllib.parse import parse_qs

    from oversight.ledger.forms import LedgerSearchForm
    from oversight.ledger.selectors import PAGE_SIZE
    from oversight.ledger.sql import page_plan
    from portal.models import Membership

    plans = {}
    ura = Membership.objects.filter(role="supervisor").order_by("organisation__ura")[0]
    ura = ura.organisation.ura
    for kind in PAGE_KINDS[1:]:
        if kind == "own_log":  # not the supervisors' search
            continue
        query = urlsplit(requests[kind][0].path).query
        form = LedgerSearchForm({k: v[0] for k, v in parse_qs(query).items()})
        if not form.is_valid():
            raise BenchFailure(f"{kind}: the bench's query does not pass the form: {form.errors}")
        filters = form.query().filters()
        newer_first = filters["cursor"] is None or filters["cursor"].direction == "older"
        plans[kind] = page_plan(ura, **filters, newer_first=newer_first, limit=PAGE_SIZE + 1)
    return plans


def pages_report(metas: dict, runs: dict) -> list[str]:
    from bench.lookup import size_ratio

    sizes = list(runs)
    lines = [
        "",
        "| ledger | request | p50 | p99 | requests/s | p50 / hello p50 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    ratios: dict[str, dict[str, float]] = {}
    for size in sizes:
        hello = runs[size]["hello"]
        for kind in PAGE_KINDS:
            kind_runs = runs[size][kind]
            # Per round against that round's hello, then the median of the rounds.
            ratio = statistics.median(
                k["p50"] / h["p50"] for k, h in zip(kind_runs, hello, strict=True)
            )
            ratios.setdefault(kind, {})[size] = ratio
            p50 = statistics.median(r["p50"] for r in kind_runs)
            p99 = statistics.median(r["p99"] for r in kind_runs)
            rps = statistics.median(r["rps"] for r in kind_runs)
            lines.append(
                f"| {size} ({metas[size]['events']:,} events) | {PAGE_LABELS[kind]} | "
                f"{p50:.2f} ms | {p99:.2f} ms | {rps:,.0f} | {ratio:.2f}× |"
            )
    lines.append("")
    for kind in PAGE_KINDS[1:]:
        worst = max(ratios[kind].values())
        text = ", ".join(f"{size} **{ratios[kind][size]:.2f}×**" for size in sizes)
        mark = "met" if worst <= GOAL_PAGE else "**not met**"
        line = f"- {PAGE_LABELS[kind]}: p50 / hello {text} (goal ≤ {GOAL_PAGE:.0f}×): {mark}"
        if len(sizes) == 2:
            growth = size_ratio(runs[sizes[0]][kind], runs[sizes[1]][kind])
            grown = "met" if growth <= GOAL_GROWTH else "**not met**"
            line += (
                f"; p50 {sizes[1]} / {sizes[0]} = **{growth:.2f}×** "
                f"(goal ≤ {GOAL_GROWTH}×): {grown}"
            )
        lines.append(line)
    return lines + cpu_report(runs)


def cpu_report(runs: dict) -> list[str]:
    """CPU a request under load, by process (bench.common.cpu_by_group, median of the
    rounds): what a page costs beside hello, and in which process."""
    lines = [
        "",
        "CPU a request under load (ms, median of the rounds; `machine` is all CPU time of "
        "the machine over the run, a request):",
        "",
        "| ledger | request | gunicorn | PostgreSQL | Redis | wrk | machine |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for size, kinds in runs.items():
        for kind, kind_runs in kinds.items():
            cpu = {
                name: statistics.median(run["cpu"][name] for run in kind_runs)
                for name in kind_runs[0]["cpu"]
            }
            lines.append(
                f"| {size} | {PAGE_LABELS[kind]} | {cpu['gunicorn']:.2f} | {cpu['postgres']:.2f} "
                f"| {cpu['redis-server']:.2f} | {cpu['wrk']:.2f} | {cpu['machine']:.2f} |"
            )
    return lines


# --- The run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="keep the databases generated before")
    parser.add_argument("--sizes", default="1m,10m", help="which ledgers (1m, 10m)")
    parser.add_argument("--only", choices=("ledger", "scan", "pages"), help="one part only")
    parser.add_argument("--events", type=int, help="(trying out) events per ledger instead")
    parser.add_argument("--kinds", help="(trying out) which pages, e.g. own_log; hello always")
    args = parser.parse_args()
    if args.kinds:
        global PAGE_KINDS
        chosen = set(args.kinds.split(","))
        if unknown := chosen - set(ALL_PAGE_KINDS):
            parser.error(f"no such page: {', '.join(sorted(unknown))}")
        PAGE_KINDS = tuple(k for k in ALL_PAGE_KINDS if k == "hello" or k in chosen)
    if args.only in (None, "pages") and not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (or make bench-oversight)")
    os.environ["BENCH_DATABASE_URL"] = DATABASE_URL.format("1m")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    setup_django()
    sizes = args.sizes.split(",")
    if args.events:
        SIZES.update((size, args.events) for size in sizes)
    metas = {size: ledger_ready(size, args.reuse) for size in sizes}
    scanned = None
    if args.only in (None, "scan"):
        size = "10m" if "10m" in sizes else sizes[-1]
        database_use(size, fresh=False)
        learned = activity_learn(metas[size])
        scanned = {**scan_run(metas[size]), "size": size, "activity_days": learned}
    pages = None
    if args.only in (None, "pages"):
        try:
            runs, explained = page_rounds(metas)
        except BenchFailure as failure:
            sys.exit(f"bench/oversight.py: no page figures, a check failed: {failure}")
        for kind, plan in explained["plans"].items():
            log(f"EXPLAIN (ANALYZE, BUFFERS) at {explained['size']}, {PAGE_LABELS[kind]}:\n{plan}")
        pages = (runs, explained)
    print(report(metas, scanned, pages))


def report(metas: dict, scanned: dict | None, pages: tuple | None) -> str:
    lines = [
        "| ledger | events | days of history | last day | its events | its views | summaries | "
        "generated in | ledger_verify |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for size, m in metas.items():
        lines.append(
            f"| {size} | {m['events']:,} | {m['history_days']} | {m['last_day']} | "
            f"{m['last_day_events']:,} | {m['last_day_views']:,} | {m['summaries']:,} | "
            f"{m['generated_seconds'] / 60:.0f} min | intact, {m['verified']['checked']:,} "
            f"events in {m['verified']['seconds']:.0f} s |"
        )
    if scanned:
        mark = "met" if scanned["seconds"] <= GOAL_SCAN_SECONDS else "**not met**"
        alerts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(scanned["alerts"].items()))
        lines += [
            "",
            f"- monitoring scan over the last day on the {scanned['size']} ledger: "
            f"**{scanned['seconds']:.1f} s** (goal ≤ {GOAL_SCAN_SECONDS} s): {mark}; "
            f"{scanned['events']:,} events read in {len(scanned['batches'])} batch(es) "
            f"({', '.join(f'{b:.1f} s' for b in scanned['batches'])}); alerts raised or added "
            f"to: {sum(scanned['alerts'].values()):,} ({alerts}); {scanned['linked']:,} events "
            f"linked to them; {scanned['notified']:,} GP notifications; "
            f"{scanned['activity_days']:,} days of activity learned before the day",
            "- where the scan's time went: "
            + "; ".join(
                f"{step} {seconds:.1f} s"
                for step, seconds in sorted(scanned["steps"].items(), key=lambda i: -i[1])
            ),
        ]
    if pages:
        runs, explained = pages
        lines += pages_report(metas, runs)
        times = []
        for kind, plan in explained["plans"].items():
            found = re.search(r"Execution Time: ([\d.]+) ms", plan)
            times.append(f"{PAGE_LABELS[kind]} {found.group(1) if found else '?'} ms")
        lines.append(
            f"- the pages' statements at {explained['size']} (EXPLAIN ANALYZE, first supervisor): "
            + "; ".join(times)
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
