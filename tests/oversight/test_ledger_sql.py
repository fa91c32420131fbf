"""oversight/ledger/sql.py: the search page's statement, written by hand, reads what the ORM
query it replaces reads (oversight.ledger.selectors._page_rows_orm) — over every filter,
both directions, cursors among events of the same moment, and another organisation's
events that must never come back."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.db import connection

from audit.models import AccessEvent, ConsentBasis, EventType
from oversight.ledger.selectors import Cursor, _page_rows_orm
from oversight.ledger.sql import page_plan, page_rows
from tests.oversight.test_ledger import (
    BSN_A,
    BSN_B,
    OTHER_URA,
    OWN_URA,
    START,
    actor,
    search,
    view,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(db):
    """Views and searches by two users of the organisation and one of another, over three
    days, three of them at the very same moment (ties broken by seq)."""
    sanne, piet, elsewhere = actor("sanne"), actor("piet"), actor("kees", ura=OTHER_URA)
    tie = START + dt.timedelta(hours=5)
    for n in range(24):
        when = START + dt.timedelta(hours=3 * n, minutes=n)
        who = (sanne, piet, elsewhere)[n % 3]
        if n % 4 == 0:
            search(who, BSN_B, when)
        else:
            basis = ConsentBasis.EMERGENCY_ACCESS if n % 5 == 0 else ConsentBasis.REGISTERED_CONSENT
            view(who, (BSN_A, BSN_B)[n % 2], when, basis)
    for who in (sanne, piet, sanne):
        view(who, BSN_A, tie)
    return AccessEvent.objects.filter(occurred_at=tie).order_by("seq")


FILTERS = [
    {},
    {"username": "sanne"},
    {"bsn": BSN_A},
    {"event_type": EventType.PATIENT_SEARCH},
    {"start": START + dt.timedelta(days=1), "end": START + dt.timedelta(days=2)},
    {"username": "piet", "bsn": BSN_B, "start": START},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_statement_reads_what_the_orm_reads(ledger, filters):
    asked = {"username": None, "bsn": None, "start": None, "end": None, "event_type": None}
    asked |= filters
    tied = list(ledger)
    cursors = [None] + [
        Cursor(event.occurred_at, event.seq, direction)
        for event, direction in itertools.product(tied[1:2], ("older", "newer"))
    ]
    for cursor, newer_first, limit in itertools.product(cursors, (True, False), (2, 50)):
        if cursor is not None and newer_first != (cursor.direction == "older"):
            continue
        by_hand = page_rows(
            OWN_URA,
            **asked,
            cursor=cursor,
            newer_first=newer_first,
            limit=limit,
        )
        by_orm = _page_rows_orm(
            OWN_URA, **asked, cursor=cursor, newer_first=newer_first, limit=limit
        )
        assert by_hand == by_orm
        assert all(row[1].utcoffset() == dt.timedelta(0) for row in by_hand)
    # What the filters leave is the organisation's own only, and not nothing.
    everything = page_rows(OWN_URA, **asked, cursor=None, newer_first=True, limit=100)
    assert everything
    seqs = {row[0] for row in everything}
    assert not AccessEvent.objects.filter(seq__in=seqs, organisation_ura=OTHER_URA).exists()


def test_the_time_is_written_in_dutch_time_across_the_clock_changes(db):
    """PostgreSQL writes the time as the page shows it; Python's zone and PostgreSQL's agree
    on both sides of each change of the clock."""
    sanne = actor("sanne")
    moments = {
        # 29 March 2026, 02:00 CET becomes 03:00 CEST.
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC): "29-03-2026 01:30:00",
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC): "29-03-2026 03:30:00",
        # 25 October 2026, 03:00 CEST becomes 02:00 CET: 02:30 twice.
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC): "25-10-2026 02:30:00",
        dt.datetime(2026, 10, 25, 1, 30, 59, 999999, tzinfo=dt.UTC): "25-10-2026 02:30:59",
    }
    for when in moments:
        view(sanne, BSN_A, when)
    asked = {"username": None, "bsn": None, "start": None, "end": None, "event_type": None}
    by_hand = page_rows(OWN_URA, **asked, cursor=None, newer_first=False, limit=10)
    assert [(row[1], row[2]) for row in by_hand] == list(moments.items())
    assert by_hand == _page_rows_orm(OWN_URA, **asked, cursor=None, newer_first=False, limit=10)


SORT_NODE = re.compile(r"\bSort  \(cost=")  # a Sort or Incremental Sort node, not a Sort Key
FULL_SORT_NODE = re.compile(r"(?<!Incremental )\bSort  \(cost=")  # a Sort node
ASKED = {"username": None, "start": None, "end": None, "event_type": None, "cursor": None}


def _merged_plan(**asked) -> str:
    """The plan of a page of OWN_URA's events for `asked`, checked to have run: it returned
    every matching event (fewer than a page)."""
    plan = page_plan(
        OWN_URA,
        **{**ASKED, "bsn": None, **asked},
        newer_first=True,
        limit=51,
        also="SET LOCAL enable_seqscan = off",  # the tables here are tiny
    )
    column = {"bsn": "patient_bsn", "username": "user_username"}
    matching = {column[name]: value for name, value in asked.items()}
    events = AccessEvent.objects.filter(organisation_ura=OWN_URA, **matching).count()
    assert f"rows={events} loops=1" in plan.splitlines()[0]
    return plan


def test_a_patients_page_merges_the_months_in_order_instead_of_sorting_them(ledger):
    # The planner expects a handful of events for one patient, so on the bench's ledger it
    # read all of a patient's events and sorted them: a page cost as much as the patient had
    # events. Under page_settings the statement merges the months' index scans in order.
    plan = _merged_plan(bsn=BSN_A)
    assert "Merge Append" in plan and "_organisation_ura_patient_bsn_" in plan
    assert not SORT_NODE.search(plan)


def test_a_users_page_merges_the_months_in_order_instead_of_sorting_them(ledger):
    # As for a patient: a nurse's month is hundreds of events, which the planner, expecting a
    # handful, read whole and sorted (the bench's 1M ledger: 179 for a page of 50).
    plan = _merged_plan(username="sanne")
    # Merged newest first; only the ties of one moment sorted (the index ends with the time).
    assert "Merge Append" in plan and not FULL_SORT_NODE.search(plan)


def _settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode'), current_setting('enable_sort')")
        return cursor.fetchone()


def test_page_rows_reads_with_a_kept_plan_and_a_patients_page_merged(ledger):
    assert _settings() == ("auto", "on")
    page_rows(OWN_URA, **ASKED, bsn=None, newer_first=True, limit=3)
    assert _settings() == ("force_generic_plan", "on")  # merging is for a patient or a user
    rows = page_rows(OWN_URA, **ASKED, bsn=BSN_A, newer_first=True, limit=3)
    assert _settings() == ("force_generic_plan", "off")  # for the rest of the transaction
    assert rows == _page_rows_orm(OWN_URA, **ASKED, bsn=BSN_A, newer_first=True, limit=3)


def test_page_rows_merges_a_users_page_too(ledger):
    asked = {**ASKED, "username": "sanne"}
    rows = page_rows(OWN_URA, **asked, bsn=None, newer_first=True, limit=3)
    assert _settings() == ("force_generic_plan", "off")
    assert rows == _page_rows_orm(OWN_URA, **asked, bsn=None, newer_first=True, limit=3)
