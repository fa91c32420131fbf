"""The ledger kept by month (PostgreSQL partitions), and the retention job that drops months
older than five years and only those (audit.partitions, audit.retention).

Python's clock is moved with time-machine to write events as a writer in March 2019 would;
the database's own clock (the event trigger's now()) is the real one.
"""

import datetime as dt
import logging
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError, ProgrammingError

from audit.actors import Actor
from audit.models import AccessEvent, EventType
from audit.partitions import (
    ledger_month_now,
    month_add,
    partition_name,
    partitions_ensure,
    partitions_list,
)
from audit.retention import RetentionRefused, partition_drop, retention_run
from audit.services import access_events_batched
from tests.audit.helpers import record_events

pytestmark = pytest.mark.django_db

MARCH_2019 = dt.date(2019, 3, 1)
APRIL_2019 = dt.date(2019, 4, 1)
ROBOT = Actor.system("test")


def written_in(month: dt.date, count: int) -> list[AccessEvent]:
    """`count` events written by a writer whose clock says the 15th of `month`."""
    partitions_ensure(since=month, through=month)
    with time_machine.travel(dt.datetime(month.year, month.month, 15, 12, tzinfo=dt.UTC)):
        return record_events(count)


def partition_of(seq: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_accessevent WHERE seq = %s", [seq]
        )
        return cursor.fetchone()[0]


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_each_event_is_kept_in_the_partition_of_the_month_it_was_written_in():
    written_in(MARCH_2019, 2)
    record_events(1)
    assert [partition_of(seq) for seq in (1, 2, 3)] == [
        "audit_accessevent_y2019m03",
        "audit_accessevent_y2019m03",
        partition_name(ledger_month_now()),
    ]
    assert AccessEvent.objects.get(seq=1).ledger_month == MARCH_2019


def test_a_writer_whose_clock_is_a_month_behind_files_after_the_head_not_before_it():
    record_events(1)
    last_month = month_add(ledger_month_now(), -1)
    partitions_ensure(since=last_month, through=last_month)
    with time_machine.travel(dt.datetime(last_month.year, last_month.month, 28, tzinfo=dt.UTC)):
        record_events(1)  # one at a time: audit_ledger_link
        with transaction.atomic(), access_events_batched():
            record_events(2)  # in a batch: audit.services.access_events_append
    months = list(AccessEvent.objects.order_by("seq").values_list("ledger_month", flat=True))
    assert months == [ledger_month_now()] * 4


def test_each_partition_refuses_update_delete_and_truncate_as_the_ledger_does():
    record_events(1)
    name = partition_name(ledger_month_now())
    for statement in (
        f"UPDATE {name} SET detail = '{{}}'",
        f"DELETE FROM {name}",
        f"TRUNCATE {name}",
    ):
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert AccessEvent.objects.count() == 1


def test_the_database_refuses_to_drop_a_partition_younger_than_five_years():
    record_events(1)
    name = partition_name(ledger_month_now())
    with pytest.raises(ProgrammingError, match="younger than five years"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {name}")
    assert AccessEvent.objects.count() == 1


def test_retention_drops_the_months_older_than_five_years_and_the_rest_still_verifies(caplog):
    written_in(MARCH_2019, 2)
    written_in(APRIL_2019, 1)
    kept = record_events(3)
    with caplog.at_level(logging.WARNING, logger="audit.retention"):
        dropped = retention_run(actor=ROBOT)
    assert [p.name for p in dropped] == ["audit_accessevent_y2019m03", "audit_accessevent_y2019m04"]
    assert all(p.month >= ledger_month_now() for p in partitions_list())
    assert list(AccessEvent.objects.order_by("seq").values_list("seq", flat=True)) == [
        4,
        5,
        6,
        7,
        8,
    ]
    # What went, in the ledger itself and in the logs.
    records = AccessEvent.objects.filter(event_type=EventType.LEDGER_PARTITION_DROPPED)
    first, second = records.order_by("seq")
    assert first.detail["partition"] == "audit_accessevent_y2019m03"
    assert (first.detail["first_seq"], first.detail["last_seq"], first.detail["events"]) == (
        1,
        2,
        2,
    )
    assert (second.detail["month"], second.detail["last_seq"]) == ("2019-04", 3)
    assert second.detail["last_hash"] == kept[0].prev_hash
    assert second.detail["kept_years"] == 5
    logged = [r for r in caplog.records if r.getMessage() == "ledger month dropped"]
    assert [(r.partition, r.events) for r in logged] == [
        ("audit_accessevent_y2019m03", 2),
        ("audit_accessevent_y2019m04", 1),
    ]
    assert run("audit_verify").startswith(
        "Ledger intact (kept from #4: the months before were dropped after their retention "
        "period): 5 events, head #8"
    )


def test_the_kept_chain_still_shows_an_edit_after_a_drop():
    written_in(MARCH_2019, 2)
    record_events(3)
    retention_run(actor=ROBOT)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_accessevent SET patient_bsn = '999911168' WHERE seq = 4")
        cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=r"event #4 .*content does not match its hash"):
        run("audit_verify")


def test_a_month_dropped_by_hand_shows_as_missing_events():
    written_in(MARCH_2019, 2)
    record_events(2)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE audit_accessevent_y2019m03")  # old enough for the trigger
    with pytest.raises(CommandError, match=r"expected event #1, found #3: #1..#2 missing"):
        run("audit_verify")


def test_a_row_moved_to_an_earlier_month_by_hand_is_reported():
    written_in(MARCH_2019, 1)
    record_events(2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_accessevent SET ledger_month = '2019-03-01' WHERE seq = 3")
        cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER USER")
    moved = r"months do not follow its chain: .*y\d{4}m\d\d holds event #2, not after #3"
    with pytest.raises(CommandError, match=moved):
        run("audit_verify")
    # ... and the retention job will not drop March 2019 with event #3 in it.
    with pytest.raises(RetentionRefused, match="do not follow the chain"):
        partition_drop("audit_accessevent_y2019m03", actor=ROBOT)


def test_a_young_month_asked_for_by_name_is_refused_and_nothing_goes():
    record_events(2)
    month = f"{ledger_month_now():%Y-%m}"
    with pytest.raises(CommandError, match="Refused: .* not all older than 5 years"):
        run("audit_retention", "--month", month)
    assert AccessEvent.objects.count() == 2
    assert partition_name(ledger_month_now()) in [p.name for p in partitions_list()]


def test_a_month_is_dropped_only_after_the_older_ones():
    written_in(MARCH_2019, 1)
    written_in(APRIL_2019, 1)
    with pytest.raises(RetentionRefused, match="y2019m03 is older and still kept"):
        partition_drop("audit_accessevent_y2019m04", actor=ROBOT)
    assert AccessEvent.objects.count() == 2


def test_fewer_than_five_years_cannot_be_configured(settings):
    written_in(MARCH_2019, 1)
    settings.LEDGER_RETENTION_YEARS = 4
    with pytest.raises(ImproperlyConfigured, match="5 years at least"):
        retention_run(actor=ROBOT)
    assert AccessEvent.objects.count() == 1


def test_a_longer_retention_keeps_the_month(settings):
    written_in(MARCH_2019, 1)
    assert [p.name for p in retention_run(actor=ROBOT, dry_run=True)] == [
        "audit_accessevent_y2019m03"
    ]
    settings.LEDGER_RETENTION_YEARS = 10
    assert retention_run(actor=ROBOT, dry_run=True) == []
    assert retention_run(actor=ROBOT) == []
    assert AccessEvent.objects.count() == 1


def test_the_daily_job_makes_the_months_ahead_and_drops_the_expired():
    from audit.tasks import ledger_months_task

    written_in(MARCH_2019, 1)
    record_events(1)
    ahead = month_add(ledger_month_now(), 5)
    with time_machine.travel(dt.datetime(ahead.year, ahead.month, 2, tzinfo=dt.UTC)):
        result = ledger_months_task()
    # Five months on, the three months after that one are made; 2019 is gone.
    assert partition_name(month_add(ahead, 3)) in result["made"]
    assert result["dropped"] == ["audit_accessevent_y2019m03"]
    assert partition_name(month_add(ahead, 3)) in [p.name for p in partitions_list()]
    assert partitions_ensure(since=ahead, through=month_add(ahead, 3)) == []


def test_a_write_into_a_month_without_a_partition_fails_and_nothing_is_written():
    far = month_add(ledger_month_now(), 24)
    with time_machine.travel(dt.datetime(far.year, far.month, 2, tzinfo=dt.UTC)):
        with pytest.raises(IntegrityError, match="no partition of relation"):
            with transaction.atomic():
                record_events(1)
    assert AccessEvent.objects.count() == 0


def test_the_nightly_verification_anchors_nothing_when_the_months_do_not_follow(caplog):
    from audit.models import LedgerCheckpoint
    from audit.tasks import verify_ledger_task

    written_in(MARCH_2019, 1)
    record_events(2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_accessevent SET ledger_month = '2019-03-01' WHERE seq = 3")
        cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER USER")
    with caplog.at_level(logging.CRITICAL, logger="audit.tasks"):
        assert verify_ledger_task()["intact"] is False
    (record,) = [r for r in caplog.records if r.getMessage() == "access ledger broken"]
    assert record.first_break == ""
    assert "holds event #2, not after #3" in record.month_problems[0]
    assert not LedgerCheckpoint.objects.exists()
