"""patients/sql.py: the patient's page read by hand reads what the ORM queries it replaces
read (patients.selectors._log_rows_orm, registry.selectors.patient_choices) — over periods,
cursors, reviews, the supervisors' pages that named the patient, the readings left out and
other patients' events that must never come back — and PostgreSQL answers it by the log's
two indexes."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from audit import events
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, ConsentBasis, EventType, MisuseAlert
from consent.models import Decision, Scope, Source
from patients import sql
from patients.selectors import Period, _bounds, _log_rows_orm
from registry.selectors import patient_choices
from tests.audit.helpers import at
from tests.patients.test_page import NURSE, viewed
from tests.triage.fixtures import BLANK, CONSENTED

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SUPERVISOR = NURSE.__class__(**{**NURSE.__dict__, "username": "toezicht", "name": "Toos"})
SUPERVISOR = SUPERVISOR.__class__(**{**SUPERVISOR.__dict__, "portal_role": "supervisor"})
PATIENT = NURSE.__class__(username="jan@example.org", name="jan@example.org", portal_role="patient")


def _alert(event: AccessEvent, *, reviewed: bool, kind=MisuseAlert.Kind.EMERGENCY_ACCESS) -> None:
    alert = misuse_alert_raise(
        kind=kind,
        actor=NURSE,
        detail={},
        now=timezone.now(),
        event_ids=[event.pk],
    )
    if reviewed:
        MisuseAlert.objects.filter(pk=alert.pk).update(reviewed=True)


@pytest.fixture
def ledger(patients):
    """Over four days: views of the patient and of another, an emergency access cited by
    an open alert, one by a reviewed alert, one by both and one by none; supervisors' pages
    that named the patient (and one that did not); the patient's own readings (left out)
    and a privacy officer's overview for their letter (listed)."""
    for day in range(4):
        with at(START + dt.timedelta(days=day)):
            viewed(BLANK)
            viewed(CONSENTED)
            viewed(BLANK, ConsentBasis.ON_THE_SPOT_CONSENT, policy="corona-opt-in")
            events.ledger_searched(
                actor=SUPERVISOR, filters={}, page_size=50, cursor=None, patients=[BLANK]
            )
            events.ledger_searched(
                actor=SUPERVISOR, filters={}, page_size=50, cursor=None, patients=[CONSENTED]
            )
            events.patient_log_read(actor=PATIENT, patient_bsn=BLANK, period={}, shown=3)
    with at(START + dt.timedelta(days=2, hours=3)):
        pending, reviewed, mixed, uncited = (
            events.point_of_care_answered(
                actor=NURSE,
                patient_bsn=BLANK,
                event_type=EventType.EMERGENCY_ACCESS,
                encounter=uuid.uuid4(),
                by_representative=False,
                representative="",
                indications=[],
                emergency_reason="buiten bewustzijn",
                register_lasting=False,
            )
            for _ in range(4)
        )
        cited_view = viewed(BLANK, ConsentBasis.EMERGENCY_ACCESS)
        events.patient_log_read(
            actor=SUPERVISOR, patient_bsn=BLANK, period={}, shown=9, pdf=True, reference="b-1"
        )
    # One open alert per user and rule, an event cited once by each rule (audit.alerts):
    # hence this order, and another rule citing the mixed one again.
    _alert(cited_view, reviewed=True)
    _alert(reviewed, reviewed=True)
    _alert(mixed, reviewed=True)
    _alert(mixed, reviewed=False, kind=MisuseAlert.Kind.UNUSUAL_HOURS)
    _alert(pending, reviewed=False)
    return [event.seq for event in AccessEvent.objects.filter(patient_bsn=BLANK).order_by("seq")]


PERIODS = [
    Period(),
    Period(since=dt.date(2026, 11, 3)),
    Period(until=dt.date(2026, 11, 3)),
    Period(since=dt.date(2026, 11, 4), until=dt.date(2026, 11, 4)),
]


@pytest.mark.parametrize("period", PERIODS)
def test_the_log_statement_reads_what_the_orm_reads(ledger, period):
    since, until = _bounds(period)
    cursors = [None, ledger[len(ledger) // 2], ledger[1]]
    found = []
    for before, limit in itertools.product(cursors, (3, 51)):
        by_hand = sql.log_rows(bsn=BLANK, since=since, until=until, before=before, limit=limit)
        by_orm = _log_rows_orm(bsn=BLANK, period=period, before=before, limit=limit)
        assert by_hand == by_orm, (before, limit)
        page = sql.page_rows(bsn=BLANK, since=since, until=until, before=before, limit=limit)
        assert page.log == by_orm, (before, limit)
        found.append(len(by_orm))
    assert found[:2] == [3, found[1]] and found[1] > 3  # every period holds some of the days


def test_the_log_holds_each_kind_of_review(ledger):
    found = sql.log_rows(bsn=BLANK, since=None, until=None, before=None, limit=100)
    reviews = [row[-2:] for row in found if row[-2] or row[-1] is not None]
    # Newest first: a view cited by a reviewed alert; then the emergency accesses (always
    # to be reviewed): cited by no alert; an open and a reviewed one; a reviewed one; an
    # open one.
    assert reviews == [(False, True), (True, None), (True, False), (True, True), (True, False)]
    kinds = {row[2] for row in found}
    assert "admin_read" in kinds  # the supervisors' pages that named the patient
    readers = [row[4] for row in found if row[2] == "patient_log_read"]
    assert readers == ["supervisor"]  # the officer's overview; the patient's own not
    # Four pages named the patient, four named only the other one.
    assert sum(row[2] == "admin_read" for row in found) == 4


def test_the_page_reads_the_choices_the_registry_reads(patients, ledger):
    from consent.services import consent_register

    expected = patient_choices(BLANK)
    page = sql.page_rows(bsn=BLANK, since=None, until=None, before=None, limit=3)
    assert (
        page.current == expected.current == {Scope.HAP: Decision.BLANK, Scope.SEH: Decision.BLANK}
    )
    assert page.history == expected.history == []
    for decision, scope in [
        (Decision.CONSENT, Scope.BOTH),
        (Decision.REFUSAL, Scope.SEH),
        (Decision.CONSENT, Scope.HAP),
    ]:
        consent_register(
            patient_bsn=BLANK,
            decision=decision,
            scope=scope,
            source=Source.PATIENT,
            actor=PATIENT,
        )
    expected = patient_choices(BLANK)
    page = sql.page_rows(bsn=BLANK, since=None, until=None, before=None, limit=3)
    assert page.current == expected.current
    assert page.current[Scope.SEH] == Decision.REFUSAL
    shown = ("pk", "registered_at", "decision", "scope", "source", "organisation_name")
    assert [[getattr(r, name) for name in shown] for r in page.history] == [
        [getattr(r, name) for name in shown] for r in expected.history
    ]
    assert len(page.history) == 3


def test_the_log_is_read_by_its_two_indexes(ledger):
    # The partitions' copies of audit_event_patient_log (the patient's events, their own
    # readings left out) and of audit_event_read_patients (the supervisors' pages).
    statement, params = sql.log_statement(bsn=BLANK, since=None, until=None, before=None, limit=51)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "_patient_bsn_seq_idx" in plan
    assert "_expr_idx" in plan  # the GIN index of the pages' patients
    assert "_patient_bsn_occurred_at_idx" not in plan


def test_the_log_never_walks_the_whole_ledger_in_seq_order(ledger):
    # With statistics that expect many matching events, PostgreSQL preferred walking every
    # partition's seq index backwards and filtering until 51 matched: 0.5 s a page for a
    # patient with six events at 1M (docs/performance.md). Here sorting is made as dear as
    # the planner can make it, so it takes that walk wherever the statement allows it.
    statement, params = sql.log_statement(bsn=BLANK, since=None, until=None, before=None, limit=51)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the tables here are tiny
        cursor.execute(f"EXPLAIN {statement}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "_seq_ledger_month_key" not in plan and "Index Scan Backward" not in plan
    assert "_patient_bsn_seq_idx" in plan
