"""The monitoring scan: the rules over the ledger's new events, in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, MonitoringWatermark
from oversight.monitoring.notify import READS as NOTIFY_READS
from oversight.monitoring.notify import Notified, gp_notifications_make
from oversight.monitoring.registry import Finding, Rule, rules_in_force
from oversight.monitoring.window import window_close, window_open

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanResult:
    after_seq: int  # the watermark before the scan
    up_to_seq: int  # the watermark after it
    events: int  # new events of the types the rules read
    alerts: dict[str, int] = field(default_factory=dict)  # per rule: alerts raised or added to
    more: bool = False  # the ledger holds events beyond this batch
    notified: int = 0  # notifications made for the patients' GP practices
    not_placed: int = 0  # views to notify of whose patient is enrolled with no practice

    def as_dict(self) -> dict:
        return {
            "after_seq": self.after_seq,
            "up_to_seq": self.up_to_seq,
            "events": self.events,
            "alerts": self.alerts,
            "more": self.more,
            "notified": self.notified,
            "not_placed": self.not_placed,
        }


def _watermark_locked() -> MonitoringWatermark:
    """The one watermark row, locked until the scan's transaction ends: a second scan (beat
    fired again while one runs) waits, then reads on from where this one got to."""
    MonitoringWatermark.objects.get_or_create(pk=1)
    return MonitoringWatermark.objects.select_for_update().get(pk=1)


def _head_seq() -> int:
    return AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@transaction.atomic
def monitoring_scan(*, now: dt.datetime, max_events: int | None = None) -> ScanResult:
    """Run the rules in force (oversight.monitoring.registry) over the ledger's events after
    the watermark, at most `max_events` (MONITORING_SCAN_MAX_EVENTS) of them by seq, raise
    their alerts through audit.alerts.misuse_alert_raise, and advance the watermark to the
    last event read: all in this one transaction, so a scan that fails raises nothing and
    the next one reads the same events again. Safe to run twice: the second finds no new
    events, and an event already behind an alert of its user, organisation and rule is
    not counted again. `more` says the caller should scan again at once.

    With them, the notifications to the patients' GP practices of views by emergency
    access or under a policy (oversight.monitoring.notify), each once.

    Writes no ledger event: it reads the ledger, and its result is the alerts and the
    notifications (whose reading by a supervisor or a GP is logged)."""
    if connection.vendor != "postgresql":
        # The embedded default (SQLite) has no window frames over time nor arrays.
        logger.warning("monitoring scan skipped: it needs PostgreSQL")
        return ScanResult(0, 0, 0)
    watermark = _watermark_locked()
    after = watermark.seq
    head = _head_seq()
    up_to = min(head, after + (max_events or settings.MONITORING_SCAN_MAX_EVENTS))
    if up_to <= after:
        return ScanResult(after, after, 0)
    rules = rules_in_force()
    raised: Counter[str] = Counter()
    with connection.cursor() as cursor:
        # The rules sort and hash a few hundred thousand rows: in memory, for this
        # transaction only.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        window = window_open(
            cursor, after_seq=after, up_to_seq=up_to, rules=rules, also=NOTIFY_READS
        )
        notified = Notified(0, 0)
        if window.new_events:
            for rule in rules:
                for finding in rule.function(window):
                    if _raise(rule, finding) is not None:
                        raised[str(rule.kind)] += 1
            # The GP's notifications (issue 15, item 4), in this transaction too.
            notified = gp_notifications_make(window)
        window_close(window)
    watermark.seq = up_to
    watermark.scanned_at = now
    watermark.save(update_fields=["seq", "scanned_at"])
    return ScanResult(
        after,
        up_to,
        window.new_events,
        dict(raised),
        more=head > up_to,
        notified=notified.made,
        not_placed=notified.not_placed,
    )


def _raise(rule: Rule, finding: Finding):
    actor = Actor(
        username=finding.username,
        name=finding.user_name,
        organisation_ura=finding.organisation_ura,
        organisation_name=finding.organisation_name,
    )
    return misuse_alert_raise(
        kind=rule.kind,
        actor=actor,
        detail=finding.detail,
        now=finding.last_at,
        first_seen_at=finding.first_at,
        event_ids=finding.event_ids,
    )
