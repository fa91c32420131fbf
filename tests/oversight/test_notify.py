"""Notifying the GP (oversight.monitoring.notify): the monitoring scan makes one notification
per view by emergency access or under a policy, for the practice the patient is enrolled
with; none twice, none without a practice. Events are written through the ledger's own
functions (audit.events), as in test_monitoring.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from audit.actors import Actor
from audit.models import ConsentBasis, MonitoringWatermark
from oversight.monitoring.registry import RULES, rules_in_force
from registry.models import GpNotification
from summaries.models import Enrolment, GpPractice
from tests.oversight.test_monitoring import START, bsn, emergency, scan, view

pytestmark = pytest.mark.django_db

SANNE = Actor(
    username="sanne",
    name="Sanne de Vries",
    portal_role="triage",
    organisation_ura="90000101",
    organisation_name="HAP Stad",
)
OPT_IN = "Corona Opt-in"


@pytest.fixture
def practices():
    def practice(agb: str, name: str) -> GpPractice:
        return GpPractice.objects.create(
            agb=agb, name=name, fhir_base_url=f"http://{agb}.example/fhir", token="t"
        )

    return practice("01100001", "Praktijk Zuid"), practice("01100002", "Praktijk Noord")


def enrol(patient: str, practice: GpPractice) -> None:
    Enrolment.objects.create(bsn=patient, practice=practice, since=START - dt.timedelta(days=90))


def notifications() -> list[GpNotification]:
    return list(GpNotification.objects.order_by("event_seq"))


def test_an_emergency_access_view_notifies_the_patients_practice(practices):
    zuid, _ = practices
    enrol(bsn(1), zuid)
    emergency(SANNE, bsn(1), START)  # the answer at the point of care: not a view
    opened = view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
    result = scan()
    assert (result.notified, result.not_placed) == (1, 0)
    assert result.as_dict()["notified"] == 1
    (notification,) = notifications()
    assert (
        notification.practice,
        notification.patient_bsn,
        notification.event_seq,
        notification.occurred_at,
        notification.reason,
        notification.organisation_name,
        notification.user_name,
        notification.user_role,
        notification.consent_policy,
        notification.read_at,
        notification.read_by,
    ) == (
        zuid,
        bsn(1),
        opened.seq,
        START,
        GpNotification.Reason.EMERGENCY_ACCESS,
        "HAP Stad",
        "Sanne de Vries",
        "triage",
        OPT_IN,
        None,
        "",
    )


def test_a_view_on_registered_consent_notifies_nobody(practices):
    enrol(bsn(1), practices[0])
    view(SANNE, bsn(1), START, ConsentBasis.REGISTERED_CONSENT)
    view(SANNE, bsn(1), START, ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED)
    result = scan()
    assert result.events == 2 and result.notified == 0
    assert notifications() == []


def test_a_blank_patient_viewed_under_a_policy_notifies_with_the_policy(practices):
    zuid, noord = practices
    enrol(bsn(1), zuid)
    enrol(bsn(2), noord)
    first = view(SANNE, bsn(1), START, ConsentBasis.ON_THE_SPOT_CONSENT, OPT_IN)
    second = view(SANNE, bsn(2), START, ConsentBasis.ON_THE_SPOT_CONSENT, "Griep Opt-in")
    assert scan().notified == 2
    assert [
        (n.event_seq, n.practice, n.patient_bsn, n.reason, n.consent_policy)
        for n in notifications()
    ] == [
        (first.seq, zuid, bsn(1), GpNotification.Reason.BLANK_UNDER_POLICY, OPT_IN),
        (second.seq, noord, bsn(2), GpNotification.Reason.BLANK_UNDER_POLICY, "Griep Opt-in"),
    ]


def test_the_scan_twice_notifies_nothing_twice(practices):
    enrol(bsn(1), practices[0])
    view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
    assert scan().notified == 1
    assert scan().notified == 0
    # Even over the same events again (the watermark set back): the unique ledger event.
    MonitoringWatermark.objects.update(seq=0)
    again = scan()
    assert (again.events, again.notified) == (1, 0)
    assert len(notifications()) == 1
    # A later view notifies once more.
    view(SANNE, bsn(1), START + dt.timedelta(hours=1), ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
    assert scan().notified == 1 and len(notifications()) == 2


def test_a_patient_without_an_enrolment_is_counted_not_notified(practices):
    enrol(bsn(1), practices[0])
    view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
    view(SANNE, bsn(2), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)  # enrolled nowhere
    view(SANNE, bsn(3), START, ConsentBasis.ON_THE_SPOT_CONSENT, OPT_IN)  # nor here
    result = scan()
    assert (result.notified, result.not_placed) == (1, 2)
    assert result.as_dict()["not_placed"] == 2
    assert [n.patient_bsn for n in notifications()] == [bsn(1)]


def test_notifications_are_made_with_every_rule_switched_off(practices, settings):
    settings.MONITORING_RULES_OFF = [str(kind) for kind in RULES]
    assert rules_in_force() == []
    enrol(bsn(1), practices[0])
    view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
    result = scan()
    assert (result.alerts, result.notified) == ({}, 1)


def test_the_notifications_are_one_statement_whatever_their_number(practices):
    """Set-based: the scan's statements do not grow with the views to notify of."""
    from django.test.utils import CaptureQueriesContext

    def statements(views: int) -> int:
        first = 1000 * views
        for i in range(views):
            enrol(bsn(first + i), practices[i % 2])
            view(SANNE, bsn(first + i), START, ConsentBasis.EMERGENCY_ACCESS, OPT_IN)
        with CaptureQueriesContext(connection) as captured:
            result = scan()
        assert result.notified == views
        return sum("registry_gpnotification" in q["sql"] for q in captured.captured_queries)

    assert statements(1) == statements(12) == 1
    assert GpNotification.objects.count() == 13
