"""Five years and beyond: the ledger's oldest months dropped, never one younger than five years.

The ledger is kept by month (audit.partitions). When a month, and so every event in it, is
older than LEDGER_RETENTION_YEARS (never fewer than RETENTION_YEARS_MINIMUM, NEN 7513's five),
the daily job (audit.tasks.ledger_months_task) drops its partition, oldest first, and records
the drop in the ledger itself (`ledger_partition_dropped`: the month, how many events, the
last one's seq and hash). The chain then begins after that event: audit_verify starts from the
newest such record, so the chain that remains still proves itself, and a month removed any
other way shows as missing events. Each drop is also a log line.

The database refuses the same (migration audit/0018): an event trigger will not let anyone
drop a ledger partition younger than five years.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.models import AccessEvent, EventType
from audit.partitions import Partition, month_add, partitions_list, partitions_out_of_order

logger = logging.getLogger(__name__)

RETENTION_YEARS_MINIMUM = 5
# A drop waits this long for the ledger's lock (readers and writers of the ledger hold it
# briefly); then it gives up until the next run rather than keep the writers waiting.
LOCK_TIMEOUT = "5s"


class RetentionRefused(Exception):
    """A month that may not be dropped (yet), with the reason in words."""


def retention_years() -> int:
    years = settings.LEDGER_RETENTION_YEARS
    if years < RETENTION_YEARS_MINIMUM:
        raise ImproperlyConfigured(
            f"LEDGER_RETENTION_YEARS is {years}: the ledger is kept "
            f"{RETENTION_YEARS_MINIMUM} years at least (NEN 7513)"
        )
    return years


def kept_since(now: dt.datetime | None = None) -> dt.datetime:
    """The moment from which events are kept: `retention_years()` before now (29 February
    counts as the 28th in a year without it)."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    year = now.year - retention_years()
    try:
        return now.replace(year=year)
    except ValueError:
        return now.replace(year=year, day=28)


def expired(partition: Partition, now: dt.datetime | None = None) -> bool:
    """Whether a month ended before the retention period began: all its events are older."""
    end = month_add(partition.month, 1)
    return dt.datetime(end.year, end.month, 1, tzinfo=dt.UTC) <= kept_since(now)


@dataclass(frozen=True)
class Dropped:
    partition: str
    month: dt.date
    events: int
    first_seq: int | None
    last_seq: int | None


def retention_run(
    *, actor: Actor, now: dt.datetime | None = None, dry_run: bool = False
) -> list[Partition]:
    """Drop every month past the retention period, oldest first; with `dry_run`, only say
    which. A month that cannot be dropped now (the ledger busy) ends the run: the next
    run goes on from there."""
    expired_months = [p for p in partitions_list() if expired(p, now)]
    if dry_run:
        return expired_months
    dropped = []
    for partition in expired_months:
        partition_drop(partition.name, actor=actor, now=now)
        dropped.append(partition)
    return dropped


def partition_drop(name: str, *, actor: Actor, now: dt.datetime | None = None) -> Dropped:
    """Drop one month of the ledger, with a ledger event and a log line that say what went.
    Refused (RetentionRefused) for a month younger than the retention period, for one with
    an older month still kept (the chain is dropped from its beginning only), and where the
    months do not follow the chain (a row moved by hand: audit_verify says where)."""
    partitions = partitions_list()
    found = [p for p in partitions if p.name == name]
    if not found:
        raise RetentionRefused(f"{name}: no such month in the ledger")
    partition = found[0]
    if not expired(partition, now):
        raise RetentionRefused(
            f"{name}: its events are not all older than {retention_years()} years "
            f"(kept since {kept_since(now):%Y-%m-%d})"
        )
    if partitions[0].name != name:
        raise RetentionRefused(f"{name}: {partitions[0].name} is older and still kept")
    if problems := partitions_out_of_order(partitions):
        raise RetentionRefused(f"{name}: the months do not follow the chain: {problems[0]}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (a catalog name)
            (count,) = cursor.fetchone()
            last_hash = ""
            if partition.last_seq is not None:
                cursor.execute(
                    f'SELECT "hash" FROM "{name}" WHERE "seq" = %s',  # noqa: S608
                    [partition.last_seq],
                )
                (last_hash,) = cursor.fetchone()
            # The drop first, then the event: the drop waits for the ledger's readers and
            # writers; writing first would hold the ledger's lock while it waits (a deadlock
            # with a writer that holds the table and waits for that lock).
            cursor.execute(f'DROP TABLE "{name}"')
            events.ledger_month_dropped(
                actor=actor,
                partition=name,
                month=f"{partition.month:%Y-%m}",
                first_seq=partition.first_seq,
                last_seq=partition.last_seq,
                last_hash=last_hash,
                events=count,
                kept_years=retention_years(),
            )
    except OperationalError as error:
        raise RetentionRefused(f"{name}: the ledger is busy, try again later ({error})") from error
    dropped = Dropped(name, partition.month, count, partition.first_seq, partition.last_seq)
    logger.warning(
        "ledger month dropped",
        extra={
            "partition": name,
            "month": f"{partition.month:%Y-%m}",
            "events": count,
            "first_seq": partition.first_seq,
            "last_seq": partition.last_seq,
            "last_hash": last_hash,
        },
    )
    return dropped


def chain_start() -> tuple[int, str | None]:
    """Where the chain that is kept begins: after the last event of the newest month the
    retention job dropped (its seq and hash, from the ledger's own record of the drop), or
    at the beginning (0, None) when nothing was dropped."""
    details = AccessEvent.objects.filter(
        organisation_ura="", event_type=EventType.LEDGER_PARTITION_DROPPED
    ).values_list("detail", flat=True)
    ends = [(d["last_seq"], d["last_hash"]) for d in details if d.get("last_seq") is not None]
    return max(ends) if ends else (0, None)
