"""The one writer of misuse alerts: one open alert per user, organisation and rule."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.actors import Actor
from audit.models import MisuseAlert


@transaction.atomic
def misuse_alert_raise(
    *, kind: MisuseAlert.Kind | str, actor: Actor, detail: dict, now: dt.datetime
) -> MisuseAlert:
    """Open an alert for `actor` under rule `kind` at the actor's organisation, or, when
    one is open (not yet reviewed), count this hit on it: hits + 1, last seen `now`, the
    latest detail. A throttled script sending forty requests is one alert with forty hits,
    not forty rows for the supervisor to wade through.

    Safe under concurrency: the open alert is read with a row lock, and when there is none
    and two callers insert at once, the partial unique constraint refuses the second, which
    then locks and updates the first one's row (QuerySet.get_or_create's savepoint). The
    caller's transaction (e.g. a search, under the user's row lock) holds the lock until
    it ends."""
    kind = MisuseAlert.Kind(kind)
    alert, created = MisuseAlert.objects.select_for_update().get_or_create(
        kind=kind,
        username=actor.username,
        organisation_ura=actor.organisation_ura,
        reviewed=False,
        defaults={
            "user_name": actor.name,
            "organisation_name": actor.organisation_name,
            "first_seen_at": now,
            "last_seen_at": now,
            "hits": 1,
            "detail": detail,
        },
    )
    if not created:
        # The row is locked: its count is the current one.
        alert.hits += 1
        alert.last_seen_at = max(alert.last_seen_at, now)
        alert.detail = detail
        alert.user_name = actor.name
        alert.organisation_name = actor.organisation_name
        alert.save(
            update_fields=["hits", "last_seen_at", "detail", "user_name", "organisation_name"]
        )
    return alert
