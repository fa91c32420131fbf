"""registry/sql.py: the GP's patient page's statements give what the ORM queries they replace
give (registry.selectors.patient_rows_orm), over patients of every kind, histories in every
scope and more consultations than the page shows."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import Action, ConsentBasis, EventType
from audit.services import access_event_record
from consent.models import Decision, Scope, Source
from consent.services import consent_register
from portal.models import Organisation, Role
from registry.models import GpNotification
from registry.selectors import patient_rows_orm
from registry.sql import patient_rows
from summaries.models import Enrolment, GpPractice, Summary
from tests.factories import MembershipFactory, OrganisationFactory
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED

pytestmark = pytest.mark.django_db

C, R, B = Decision.CONSENT, Decision.REFUSAL, Decision.BLANK
HAP, SEH, BOTH = Scope.HAP, Scope.SEH, Scope.BOTH
OTHER_BIRTH, NOBODYS_BIRTH = dt.date(1970, 1, 1), dt.date(1999, 9, 9)
# Enrolled here without a summary: with a birth date registered with a choice, without one.
NO_SUMMARY_DATED, NO_SUMMARY_UNDATED = "999911156", "999911168"
ELSEWHERE, UNKNOWN = "999911181", "999911193"
# Each patient's history, oldest first: (scope, decision, source, by a representative).
HISTORIES = {
    CONSENTED: [(HAP, R, Source.ON_THE_SPOT, False), (SEH, C, Source.PATIENT, True)],
    BLANK: [(BOTH, C, Source.GP_PRACTICE, False), (SEH, R, Source.GP_PRACTICE, True)],
    REFUSED: [(HAP, B, Source.PATIENT, False)],
    NO_SUMMARY_DATED: [(BOTH, R, Source.GP_PRACTICE, False), (BOTH, B, Source.PATIENT, False)],
    NO_SUMMARY_UNDATED: [(HAP, C, Source.GP_PRACTICE, False), (BOTH, R, Source.PATIENT, True)],
    ELSEWHERE: [(SEH, C, Source.GP_PRACTICE, False)],
}


@pytest.fixture
def varied(patients):
    """The fixtures' three patients (the page's practice) and four more; their histories; a
    summary without a name and one whose name is not text; consultations of several kinds."""
    other = GpPractice.objects.create(
        agb="01200000", name="Praktijk Noord", fhir_base_url="http://n.example", token="t"
    )
    now = timezone.now()
    for bsn in (NO_SUMMARY_DATED, NO_SUMMARY_UNDATED):
        Enrolment.objects.create(bsn=bsn, practice=patients, since=now)
    Enrolment.objects.create(bsn=ELSEWHERE, practice=other, since=now)
    start = now - dt.timedelta(days=30)
    for bsn, history in HISTORIES.items():
        for day, (scope, decision, source, by_representative) in enumerate(history):
            consent_register(
                patient_bsn=bsn,
                scope=scope,
                decision=decision,
                source=source,
                actor=Actor(username="gp", name=f"Dokter {day}", organisation_name=f"Org {day}"),
                by_representative=by_representative,
                # One patient's two at the same moment: ordered by id, newest first.
                at=start + dt.timedelta(days=0 if bsn == NO_SUMMARY_UNDATED else day),
                patient_birth_date=OTHER_BIRTH if bsn == NO_SUMMARY_DATED else None,
            )
    summary = Summary.objects.get(bsn=BLANK)
    summary.sections = {**summary.sections, "patient": {**summary.sections["patient"], "name": 42}}
    summary.save(update_fields=["sections"])
    summary = Summary.objects.get(bsn=REFUSED)
    summary.sections = {k: v for k, v in summary.sections.items() if k != "patient"}
    summary.save(update_fields=["sections"])
    bases = list(ConsentBasis)
    for n in range(70):  # 56 of one patient: more than the page shows
        access_event_record(
            event_type=EventType.SUMMARY_VIEW,
            action=Action.READ,
            actor=Actor(
                username=f"nurse{n}",
                name="N",
                organisation_name=f"HAP {n % 4}",
                portal_role=("triage", "doctor", "")[n % 3],
            ),
            patient_bsn=CONSENTED if n % 5 else BLANK,
            consent_basis=bases[n % len(bases)],
        )
    for event_type in (EventType.PATIENT_SEARCH, EventType.REGISTRY_VIEW):  # not consultations
        access_event_record(
            event_type=event_type,
            action=Action.READ,
            actor=Actor(username="x", name="X"),
            patient_bsn=CONSENTED,
        )
    # Notifications: three of this practice about CONSENTED (one read, two at one moment:
    # newest ledger event first), one of the other practice about CONSENTED (not this
    # practice's to read) and one of it about ELSEWHERE.
    notified = [
        (patients, CONSENTED, now - dt.timedelta(days=2), "emergency_access", "", now),
        (patients, CONSENTED, now - dt.timedelta(days=1), "blank_under_policy", "Corona", None),
        (patients, CONSENTED, now - dt.timedelta(days=1), "emergency_access", "Corona", None),
        (other, CONSENTED, now, "emergency_access", "", None),
        (other, ELSEWHERE, now, "blank_under_policy", "", None),
    ]
    for seq, (practice, bsn, at, reason, policy, read_at) in enumerate(notified, start=1000):
        GpNotification.objects.create(
            practice=practice,
            patient_bsn=bsn,
            event_seq=seq,
            occurred_at=at,
            reason=reason,
            organisation_name=f"HAP {seq}",
            user_name="Verpleegkundige",
            user_role="triage",
            consent_policy=policy,
            read_at=read_at,
            read_by="Dokter" if read_at else "",
        )
    gp_practice = Organisation.Kind.GP_PRACTICE
    return [  # a GP of this practice, of the other one, of an organisation without an AGB
        MembershipFactory(
            organisation=OrganisationFactory(kind=gp_practice, agb=agb, ura=ura), role=Role.GP
        )
        for agb, ura in ((patients.agb, ""), (other.agb, ""), ("", "93000000"))
    ]


def _comparable(rows):
    if rows is None:
        return None
    practice = (rows.practice.pk, rows.practice.agb, rows.practice.name)
    return (
        practice,
        rows.enrolled_since,
        rows.name,
        rows.current,
        rows.history,
        rows.consultations,
        rows.notifications,
    )


@pytest.mark.parametrize("consultations", [50, 3])
def test_patient_rows_agree_with_the_orm(varied, consultations):
    asked = [
        (membership, bsn, birth)
        for membership in varied
        for bsn in (CONSENTED, BLANK, REFUSED, NO_SUMMARY_DATED, NO_SUMMARY_UNDATED)
        + (ELSEWHERE, UNKNOWN)
        for birth in (BIRTH, OTHER_BIRTH, NOBODYS_BIRTH)
    ]
    found = {}
    for membership, bsn, birth in asked:
        kwargs = {"membership": membership, "bsn": bsn, "birth_date": birth}
        by_sql = _comparable(patient_rows(**kwargs, consultations=consultations))
        assert by_sql == _comparable(patient_rows_orm(**kwargs, consultations=consultations))
        if by_sql is not None:
            found[(membership.organisation.agb, bsn, birth)] = by_sql

    # What tells the cases apart. Found: the summary's birth date, else one registered with a
    # choice, else any; another practice's patient only by their own practice.
    here, there = varied[0].organisation.agb, varied[1].organisation.agb
    assert set(found) == {
        (here, CONSENTED, BIRTH),
        (here, BLANK, BIRTH),
        (here, REFUSED, BIRTH),
        (here, NO_SUMMARY_DATED, OTHER_BIRTH),
        *((here, NO_SUMMARY_UNDATED, birth) for birth in (BIRTH, OTHER_BIRTH, NOBODYS_BIRTH)),
        *((there, ELSEWHERE, birth) for birth in (BIRTH, OTHER_BIRTH, NOBODYS_BIRTH)),
    }
    _practice, _since, name, current, history, views, notes = found[(here, CONSENTED, BIRTH)]
    assert name == "Jan Visser" and current == {HAP: R, SEH: C}
    assert [row[1:4] for row in history] == [
        ("consent", "both", "gp_practice"),  # the fixtures' own, registered now
        ("consent", "seh", "patient"),
        ("refusal", "hap", "on_the_spot"),
    ]
    assert history[1][4:] == ("Dokter 1", "Org 1", True)
    assert len(views) == consultations
    if consultations == 50:  # every role and basis
        assert {role for _at, _org, role, _basis in views} == {"triage", "doctor", ""}
        assert {basis for *_rest, basis in views} == set(ConsentBasis)
    assert [at for at, *_ in views] == sorted((at for at, *_ in views), reverse=True)
    # A name that is not text, and none at all: "".
    assert found[(here, BLANK, BIRTH)][2] == found[(here, REFUSED, BIRTH)][2] == ""
    assert found[(here, BLANK, BIRTH)][3] == {HAP: C, SEH: R}
    assert found[(here, NO_SUMMARY_DATED, OTHER_BIRTH)][3] == {HAP: B, SEH: B}
    assert found[(here, NO_SUMMARY_DATED, OTHER_BIRTH)][5] == []  # never consulted
    # The practice's own notifications only, newest first (the later ledger event first
    # at one moment), the time read as a time.
    assert [(seq, policy) for *_rest, policy, _read_at, _by, seq in notes] == [
        (1002, "Corona"),
        (1001, "Corona"),
        (1000, ""),
    ]
    assert isinstance(notes[2][8], dt.datetime) and notes[2][9] == "Dokter"
    assert [row[-1] for row in found[(there, ELSEWHERE, BIRTH)][6]] == [1004]
    assert found[(here, BLANK, BIRTH)][6] == []
