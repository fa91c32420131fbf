"""The one writer of misuse alerts: one open alert per user, organisation and rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import transaction

from audit.actors import Actor
from audit.models import MisuseAlert, MisuseAlertEvent


@transaction.atomic
def misuse_alert_raise(
    *,
    kind: MisuseAlert.Kind | str,
    actor: Actor,
    detail: dict,
    now: dt.datetime,
    event_ids: Collection[int] = (),
    first_seen_at: dt.datetime | None = None,
) -> MisuseAlert | None:
    """Open an alert for `actor` under rule `kind` at the actor's organisation, or, when
    one is open (not yet reviewed), count this hit on it: hits + 1, last seen `now`, the
    latest detail. A throttled script sending forty requests is one alert with forty hits,
    not forty rows for the supervisor to wade through.

    With `event_ids` (the monitoring scan: the ledger events behind the hit), the events
    are linked to the alert and each counts as a hit once: an event already behind an
    alert of this user, organisation and rule (open or reviewed) is left out, and when
    none is left nothing changes and None is returned. `first_seen_at`: when the hit
    began (the earliest event), for a new alert; `now` when not given.

    Safe under concurrency: the open alert is read with a row lock, and when there is none
    and two callers insert at once, the partial unique constraint refuses the second, which
    then locks and updates the first one's row (QuerySet.get_or_create's savepoint). The
    caller's transaction (e.g. a search, under the user's row lock) holds the lock until
    it ends."""
    kind = MisuseAlert.Kind(kind)
    new_events: list[int] = []
    if event_ids:
        # Links are added only under the open alert's lock, by one scan at a time (the
        # watermark's lock): what is linked now stays true until this transaction ends.
        linked = set(
            MisuseAlertEvent.objects.filter(
                event_id__in=list(event_ids),
                alert__kind=kind,
                alert__username=actor.username,
                alert__organisation_ura=actor.organisation_ura,
            ).values_list("event_id", flat=True)
        )
        new_events = sorted(set(event_ids) - linked)
        if not new_events:
            return None
    hits = len(new_events) or 1
    alert, created = MisuseAlert.objects.select_for_update().get_or_create(
        kind=kind,
        username=actor.username,
        organisation_ura=actor.organisation_ura,
        reviewed=False,
        defaults={
            "user_name": actor.name,
            "organisation_name": actor.organisation_name,
            "first_seen_at": min(first_seen_at or now, now),
            "last_seen_at": now,
            "hits": hits,
            "detail": detail,
        },
    )
    if not created:
        # The row is locked: its count is the current one.
        alert.hits += hits
        alert.last_seen_at = max(alert.last_seen_at, now)
        alert.detail = detail
        alert.user_name = actor.name
        alert.organisation_name = actor.organisation_name
        alert.save(
            update_fields=["hits", "last_seen_at", "detail", "user_name", "organisation_name"]
        )
    if new_events:
        MisuseAlertEvent.objects.bulk_create(
            MisuseAlertEvent(alert=alert, event_id=event_id) for event_id in new_events
        )
    return alert
