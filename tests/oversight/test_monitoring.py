"""The monitoring scan (oversight.monitoring): incremental, idempotent, its alerts linked to
the events behind them. The rules one by one: test_monitoring_rules.py.

Events are written through the ledger's own functions (audit.events), at the times the
request context gives them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import (
    AccessEvent,
    ConsentBasis,
    EventType,
    MisuseAlert,
    MisuseAlertEvent,
    MonitoringWatermark,
)
from oversight.monitoring.registry import alert_explanation
from oversight.monitoring.scan import monitoring_scan
from oversight.tasks import monitoring_scan_task
from tests.audit.helpers import at

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 11, 2, 10, 0, tzinfo=AMSTERDAM)  # a Monday morning
HAP = dict(organisation_ura="90000101", organisation_name="HAP Stad")
SANNE = Actor(username="sanne", name="Sanne de Vries", **HAP)
PIET = Actor(username="piet", name="Piet Bakker", **HAP)
Kind = MisuseAlert.Kind


def bsn(n: int) -> str:
    """A valid BSN (11-test) of its own for each n."""
    stem = 10_000_000 + n * 11
    while True:
        digits = [int(d) for d in f"{stem:08d}"]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"{stem:08d}{check}"
        stem += 1


def view(
    actor: Actor,
    patient: str,
    when: dt.datetime,
    basis: ConsentBasis = ConsentBasis.REGISTERED_CONSENT,
    policy: str = "",
) -> AccessEvent:
    with at(when):
        return events.summary_viewed(
            actor=actor,
            patient_bsn=patient,
            encounter=uuid.uuid4(),
            reason=str(basis),
            consent_basis=basis,
            consent_policy=policy,
            emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
        )


def failed_search(actor: Actor, patient: str, when: dt.datetime) -> AccessEvent:
    with at(when):
        return events.patient_searched(actor=actor, patient_bsn=patient, found="nobody")


def emergency(actor: Actor, patient: str, when: dt.datetime, refused=False) -> AccessEvent:
    with at(when):
        return events.point_of_care_answered(
            actor=actor,
            patient_bsn=patient,
            event_type=EventType.EMERGENCY_ACCESS,
            encounter=uuid.uuid4(),
            by_representative=False,
            representative="",
            indications=["suspected_covid"],
            emergency_reason="unconscious",
            register_lasting=False,
            refused=refused,
        )


def scan(**kwargs):
    return monitoring_scan(now=START + dt.timedelta(days=1), **kwargs)


def alerts(kind: Kind) -> list[MisuseAlert]:
    return list(MisuseAlert.objects.filter(kind=kind).order_by("username", "id"))


def event_ids(alert: MisuseAlert) -> list[int]:
    return list(alert.events().values_list("id", flat=True))


# --- The watermark ----------------------------------------------------------------------


def test_monitoring_scan_advances_the_watermark_to_the_head():
    written = [view(SANNE, bsn(1), START + dt.timedelta(minutes=i)) for i in range(3)]
    result = scan()
    assert (result.after_seq, result.up_to_seq, result.events, result.more) == (0, 3, 3, False)
    watermark = MonitoringWatermark.objects.get()
    assert watermark.seq == written[-1].seq == 3
    assert watermark.scanned_at == START + dt.timedelta(days=1)
    view(SANNE, bsn(1), START + dt.timedelta(minutes=9))
    assert (scan().after_seq, MonitoringWatermark.objects.get().seq) == (3, 4)


def test_monitoring_scan_reads_a_long_ledger_in_batches():
    for i in range(5):
        emergency(SANNE, bsn(i), START + dt.timedelta(minutes=i))
    first = scan(max_events=3)
    assert (first.up_to_seq, first.more) == (3, True)
    (alert,) = alerts(Kind.EMERGENCY_ACCESS)
    assert alert.hits == 3
    second = scan(max_events=3)
    assert (second.after_seq, second.up_to_seq, second.more) == (3, 5, False)
    alert.refresh_from_db()
    assert alert.hits == 5 and len(event_ids(alert)) == 5


def test_monitoring_scan_task_returns_what_it_read():
    emergency(SANNE, bsn(1), START)
    result = monitoring_scan_task.apply().get()
    assert result["up_to_seq"] == 1 and result["alerts"] == {"emergency_access": 1}
    assert result["more"] is False


def test_a_failing_rule_raises_nothing_and_leaves_the_watermark(monkeypatch):
    from oversight.monitoring.registry import RULES

    emergency(SANNE, bsn(1), START)
    for minute in range(15):  # view_volume raises before the failing rule runs
        view(SANNE, bsn(100 + minute), START + dt.timedelta(minutes=minute))

    def broken(window):
        raise RuntimeError("rule failed")

    failing = dataclasses.replace(RULES[Kind.PATIENT_MANY_USERS], function=broken)
    monkeypatch.setitem(RULES, Kind.PATIENT_MANY_USERS, failing)
    with pytest.raises(RuntimeError), transaction.atomic():
        scan()
    assert not MisuseAlert.objects.exists()
    assert not MonitoringWatermark.objects.filter(seq__gt=0).exists()


# --- Idempotent ---------------------------------------------------------------------------


def _an_afternoon_of_misuse():
    emergency(SANNE, bsn(1), START)
    view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, "Corona Opt-in")
    view(PIET, bsn(2), START, ConsentBasis.ON_THE_SPOT_CONSENT, "Corona Opt-in")
    for minute in range(16):
        view(PIET, bsn(100 + minute), START + dt.timedelta(minutes=minute * 3))
    for minute in range(3):
        failed_search(SANNE, bsn(7), START + dt.timedelta(minutes=minute))


def _state():
    return sorted(
        (a.kind, a.username, a.hits, a.first_seen_at, a.last_seen_at, tuple(event_ids(a)))
        for a in MisuseAlert.objects.all()
    )


def test_monitoring_scan_twice_raises_nothing_twice():
    _an_afternoon_of_misuse()
    first = scan()
    assert set(first.alerts) == {
        "emergency_access",
        "blank_under_policy",
        "view_volume",
        "bsn_retried",
    }
    before = _state()
    assert scan().alerts == {}
    assert _state() == before


def test_monitoring_scan_from_the_start_again_counts_no_event_twice():
    """Even a watermark set back (by hand, or a restored backup of it) adds no hit."""
    _an_afternoon_of_misuse()
    scan()
    before = _state()
    MonitoringWatermark.objects.update(seq=0)
    assert scan().alerts == {}
    assert _state() == before


# --- Alerts and their events ----------------------------------------------------------------


def test_an_alert_links_exactly_the_events_behind_it():
    access = emergency(SANNE, bsn(1), START)
    shown = view(SANNE, bsn(1), START, ConsentBasis.EMERGENCY_ACCESS, "Corona Opt-in")
    view(SANNE, bsn(2), START)  # registered consent: not behind the alert
    view(PIET, bsn(3), START, ConsentBasis.EMERGENCY_ACCESS, "Corona Opt-in")  # Piet's own
    scan()
    sanne, piet = (
        MisuseAlert.objects.get(kind=Kind.EMERGENCY_ACCESS, username=u) for u in ("sanne", "piet")
    )
    assert event_ids(sanne) == [access.pk, shown.pk]
    assert (sanne.hits, sanne.first_seen_at, sanne.last_seen_at) == (2, START, START)
    assert sanne.detail["emergency_accesses"] == 1 and sanne.detail["views"] == 1
    assert sanne.detail["reasons"] == ["unconscious"] and sanne.detail["patients"] == [bsn(1)]
    assert (sanne.organisation_ura, sanne.organisation_name) == ("90000101", "HAP Stad")
    assert piet.hits == 1


def test_later_hits_are_added_to_the_open_alert_and_a_review_opens_a_new_one():
    first = emergency(SANNE, bsn(1), START)
    scan()
    later = emergency(SANNE, bsn(2), START + dt.timedelta(hours=2))
    scan()
    (alert,) = alerts(Kind.EMERGENCY_ACCESS)
    assert alert.hits == 2 and event_ids(alert) == [first.pk, later.pk]
    assert alert.last_seen_at == START + dt.timedelta(hours=2)
    MisuseAlert.objects.filter(pk=alert.pk).update(reviewed=True)
    after_review = emergency(SANNE, bsn(3), START + dt.timedelta(hours=3))
    scan()
    reviewed, new = alerts(Kind.EMERGENCY_ACCESS)
    assert (reviewed.hits, event_ids(reviewed)) == (2, [first.pk, later.pk])
    assert (new.hits, event_ids(new), new.reviewed) == (1, [after_review.pk], False)


def test_misuse_alert_raise_counts_each_event_once_per_user_and_rule():
    a, b, c = (emergency(SANNE, bsn(i), START) for i in range(3))
    raise_ = dict(kind=Kind.EMERGENCY_ACCESS, actor=SANNE, detail={}, now=START)
    assert misuse_alert_raise(**raise_, event_ids=[a.pk, b.pk]).hits == 2
    assert misuse_alert_raise(**raise_, event_ids=[b.pk, c.pk]).hits == 3
    assert misuse_alert_raise(**raise_, event_ids=[a.pk, c.pk]) is None
    # Another rule may cite the same event.
    assert misuse_alert_raise(**{**raise_, "kind": Kind.UNUSUAL_HOURS}, event_ids=[a.pk]).hits == 1


def test_the_database_keeps_the_events_behind_an_alert():
    emergency(SANNE, bsn(1), START)
    scan()
    for statement in (
        "DELETE FROM audit_misusealertevent",
        "UPDATE audit_misusealertevent SET event_id = event_id",
    ):
        with pytest.raises(DatabaseError, match="rejected"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert MisuseAlertEvent.objects.count() == 1


def test_events_before_the_watermark_count_in_a_span_with_new_ones():
    """Ten patients in one scan, five more within the hour in the next: the second scan
    sees fifteen in an hour, and links all fifteen views."""
    first = [view(PIET, bsn(100 + i), START + dt.timedelta(minutes=i)) for i in range(10)]
    scan()
    assert not alerts(Kind.VIEW_VOLUME)
    later = [view(PIET, bsn(200 + i), START + dt.timedelta(minutes=30 + i)) for i in range(5)]
    scan()
    (alert,) = alerts(Kind.VIEW_VOLUME)
    assert event_ids(alert) == [e.pk for e in first + later]
    assert alert.detail == {"most_patients_in_an_hour": 15, "limit": 15}


def test_a_rule_switched_off_raises_nothing(settings):
    settings.MONITORING_RULES_OFF = ["emergency_access"]
    emergency(SANNE, bsn(1), START)
    scan()
    assert not MisuseAlert.objects.exists()


def test_every_kind_of_alert_has_an_explanation(settings):
    settings.MONITORING_PATIENTS_PER_HOUR = 17
    for kind in Kind:
        assert len(alert_explanation(kind)) > 40, kind
    assert "17" in alert_explanation(Kind.VIEW_VOLUME)
