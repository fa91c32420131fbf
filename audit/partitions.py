"""The ledger kept by month: one PostgreSQL partition a month (migration audit/0018).

Each event is filed in the month (UTC) it was written in, never earlier than the event
before it (`ledger_month`, set by the writer in audit.services and by audit_ledger_link), so a
partition holds one unbroken stretch of the chain: dropping the oldest months (audit.retention)
leaves a chain that still verifies from where they ended.

A write into a month without a partition fails, and with it the access it logs (deny by
default): the daily job (audit.tasks.ledger_months_task) keeps MONTHS_AHEAD months ready.
SQLite, the embedded default, keeps the ledger in one table: nothing here applies to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

TABLE = "audit_accessevent"
# Partitions made ahead of time; each day's job tops them up again.
MONTHS_AHEAD = 3


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the month (UTC) a moment falls in."""
    utc = moment.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


def ledger_month_now() -> dt.date:
    """The month an event written now belongs to (before the head's month is considered)."""
    return month_of(timezone.now())


def month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def partitioned() -> bool:
    """Whether the ledger is a partitioned table (PostgreSQL after migration audit/0018)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date
    first_seq: int | None  # None: no events in it
    last_seq: int | None

    @property
    def empty(self) -> bool:
        return self.first_seq is None


def partitions_ensure(*, through: dt.date | None = None, since: dt.date | None = None) -> list[str]:
    """Make the partitions of every month from `since` (default: this month) through
    `through` (default: MONTHS_AHEAD months ahead) that do not exist yet; their names."""
    if not partitioned():
        return []
    first = since or ledger_month_now()
    last = through or month_add(ledger_month_now(), MONTHS_AHEAD)
    made = []
    month = first
    with connection.cursor() as cursor:
        while month <= last:
            cursor.execute("SELECT audit_ledger_partition_ensure(%s)", [month])
            if cursor.fetchone()[0]:
                made.append(partition_name(month))
            month = month_add(month, 1)
    return made


def partitions_list() -> list[Partition]:
    """The ledger's partitions, oldest first, each with its first and last seq (read from
    its own index: a probe a partition, not a scan)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
        found = []
        for name in names:
            cursor.execute(
                f'SELECT min("seq"), max("seq") FROM "{name}"'  # noqa: S608 (catalog names)
            )
            first, last = cursor.fetchone()
            month = dt.date(int(name[-7:-3]), int(name[-2:]), 1)  # ..._yYYYYmMM
            found.append(Partition(name, month, first, last))
    return sorted(found, key=lambda partition: partition.month)


def partitions_out_of_order(partitions: list[Partition] | None = None) -> list[str]:
    """Where a month's events are not all after the months before it in the chain: what
    the writers never do (ledger_month never goes back), so a row moved between months by
    hand. Each such month named; empty when the months follow the chain."""
    problems = []
    last_before: int | None = None
    for partition in partitions if partitions is not None else partitions_list():
        if partition.empty:
            continue
        if last_before is not None and partition.first_seq <= last_before:
            problems.append(
                f"{partition.name} holds event #{partition.first_seq}, not after "
                f"#{last_before} of an earlier month"
            )
        last_before = max(last_before or 0, partition.last_seq)
    return problems
