"""Registering GP practices."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from summaries.models import GpPractice
from summaries.tokens import TokenUnreadable


@transaction.atomic
def practice_add(
    *,
    agb: str,
    ura: str,
    name: str,
    url: str,
    token: str,
    actor: Actor,
    pull_interval_minutes: int = 60,
) -> tuple[GpPractice, bool]:
    """Register a practice, or update the one with this AGB. Returns (practice, created).

    Validated like a form (AGB/URA 8 digits, a URL); the change is in the ledger.
    """
    practice = GpPractice.objects.filter(agb=agb).first() or GpPractice(agb=agb)
    created = practice.pk is None
    practice.ura, practice.name, practice.fhir_base_url, practice.token = ura, name, url, token
    practice.pull_interval_minutes = pull_interval_minutes
    if created:
        practice.next_pull_at = timezone.now()
    practice.full_clean()
    practice.save()
    events.practice_saved(actor=actor, created=created, agb=agb, ura=ura, name=name, url=url)
    return practice, created


@transaction.atomic
def practice_tokens_rotate(*, actor: Actor) -> int:
    """Re-encrypt every practice's bearer token with the first of PRACTICE_TOKEN_KEYS, so that
    the keys after it can be dropped. Returns how many. All or nothing: if a token is one
    that none of the keys decrypts, raises TokenUnreadable (naming the practice) and changes
    nothing. The rows stay locked until the end, so no token entered meanwhile is lost."""
    practices = list(
        GpPractice.objects.select_for_update().exclude(token="").only("pk", "agb", "token")
    )
    for practice in practices:
        try:
            # Read with whichever key decrypts it, written with the first.
            practice.token = practice.token
        except TokenUnreadable as exc:
            raise TokenUnreadable(f"AGB {practice.agb}: {exc}") from None
    GpPractice.objects.bulk_update(practices, ["token"])
    events.practice_tokens_reencrypted(actor=actor, count=len(practices))
    return len(practices)


def practices_register(*, listing: list[dict], actor: Actor) -> list[GpPractice]:
    """Register practices from a list of {agb, ura, name, base_url, token} (a simulator's
    /_admin/practices, or a regional list of GP systems)."""
    return [
        practice_add(
            agb=entry["agb"],
            ura=entry.get("ura", ""),
            name=entry["name"],
            url=entry["base_url"],
            token=entry["token"],
            actor=actor,
        )[0]
        for entry in listing
    ]
