"""A supervisor's reads of their organisation's ledger, each itself an event in the ledger
(NEN 7513: access to the log is logged). Read, then logged, in one transaction: nothing is
returned if the event cannot be written."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit import events
from audit.services import access_events_batched
from oversight.access import supervisor_actor
from oversight.ledger.selectors import (
    PAGE_SIZE,
    LedgerFigures,
    LedgerPage,
    LedgerQuery,
    ledger_figures,
    ledger_page,
)
from portal.models import Membership


@transaction.atomic
def ledger_search(*, membership: Membership, query: LedgerQuery) -> LedgerPage:
    """One page of the membership's organisation's events that match `query`; logged with
    the filters and the page's cursor, one event per patient the page shows (and the
    patient searched for), so that each patient's own log shows that a supervisor saw
    their data; one event without a patient for a page that shows none. Written together
    (one ledger lock)."""
    actor = supervisor_actor(membership, needs_ura=True)
    page = ledger_page(membership.organisation.ura, **query.filters(), size=PAGE_SIZE)
    # The rows' BSNs come from the ledger, which checked them; the searched one is checked
    # as any event's.
    shown = {row.patient_bsn for row in page.rows if row.patient_bsn}
    patients = sorted((shown | {query.bsn}) if query.bsn else shown)
    filters, cursor = query.detail(), query.cursor.as_detail() if query.cursor else None
    with access_events_batched(valid_bsns=shown):
        for bsn in patients or [""]:
            events.ledger_searched(
                actor=actor,
                filters=filters,
                page_size=PAGE_SIZE,
                cursor=cursor,
                patient_bsn=bsn,
            )
    return page


@transaction.atomic
def ledger_charts(*, membership: Membership, first: dt.date, last: dt.date) -> LedgerFigures:
    """The counts behind the charts of the organisation's days first..last; logged."""
    actor = supervisor_actor(membership, needs_ura=True)
    figures = ledger_figures(membership.organisation.ura, first=first, last=last)
    events.ledger_charts_read(
        actor=actor, period={"from": first.isoformat(), "to": last.isoformat()}
    )
    return figures
