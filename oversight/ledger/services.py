"""A supervisor's reads of their organisation's ledger, each itself an event in the ledger
(NEN 7513: access to the log is logged). Read, then logged, in one transaction: nothing is
returned if the event cannot be written."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit import events
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
    the filters, the page's cursor and the patients it shows (one event a page: each
    patient's own log finds it by them, audit.events.ledger_searched)."""
    actor = supervisor_actor(membership, needs_ura=True)
    page = ledger_page(membership.organisation.ura, **query.filters(), size=PAGE_SIZE)
    events.ledger_searched(
        actor=actor,
        filters=query.detail(),
        page_size=PAGE_SIZE,
        cursor=query.cursor.as_detail() if query.cursor else None,
        patients=sorted({row.patient_bsn for row in page.rows if row.patient_bsn}),
        patient_bsn=query.bsn,
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
