"""One resource twice on a page (the same type and id): which one is read, and what
becomes of the other. Nothing may vanish silently (issue 14)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from summaries.fhir import read
from summaries.fhir.quarantined import Quarantine, dump

if TYPE_CHECKING:
    from summaries.fhir.entries import Entry

logger = logging.getLogger(__name__)


def one_of_two(
    first: Entry, second: Entry, quarantine: list[Quarantine], asides: list[tuple[Quarantine, dict]]
) -> Entry:
    """Of two resources with one type and id on a page, the one to read: the newer by
    meta.lastUpdated, the older set aside in the quarantine. An identical copy is read once
    (nothing of it is lost). Two different ones that cannot be ordered: the first is read
    and the other set aside as a conflict, for the administrator to decide."""
    key = first.key
    old_text, new_text = dump([first.resource]), dump([second.resource])
    if old_text == new_text:
        logger.info(
            "%s: twice on this page (%s, %s), identical; read once",
            key,
            first.position,
            second.position,
        )
        return first
    old_at = read.instant(read.member(first.resource.get("meta"), "lastUpdated"))
    new_at = read.instant(read.member(second.resource.get("meta"), "lastUpdated"))
    try:
        ordered = old_at is not None and new_at is not None and old_at != new_at
        newer_second = ordered and new_at > old_at  # type: ignore[operator]
    except TypeError:  # one with a time zone, one without: no order
        ordered = newer_second = False
    if ordered:
        kept, aside = (second, first) if newer_second else (first, second)
        aside_at = read.text_of(read.member(aside.resource.get("meta"), "lastUpdated"))
        kept_at = read.text_of(read.member(kept.resource.get("meta"), "lastUpdated"))
        # The reason holds no entry positions: they move as the practice's data changes, and
        # the same duplicate pulled again must give the same reason (one open item for it).
        reason = (
            f"{key}: duplicate on this page; the newer one (meta.lastUpdated {kept_at}) was "
            f"read, the older one ({aside_at}) was set aside"
        )
    else:
        kept, aside = first, second
        reason = (
            f"{key}: conflict on this page: two versions differ and meta.lastUpdated does not "
            "tell which is newer; the first was read, the other was set aside"
        )
    logger.warning("%s (%s and %s)", reason, first.position, second.position)
    item = Quarantine(
        reason=reason,
        resource_type=key.partition("/")[0],
        resource_id=read.text_of(aside.resource.get("id"))[:64],
        payload=old_text if aside is first else new_text,
        # Not the key: the one read stands for it wherever it ends up.
    )
    quarantine.append(item)
    asides.append((item, aside.resource))
    return kept
