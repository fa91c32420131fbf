"""A supervisor's reads of their organisation's ledger, each itself an event in the ledger
(NEN 7513: access to the log is logged). Read, then logged, in one transaction: nothing is
returned if the event cannot be written."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from oversight.ledger.selectors import (
    PAGE_SIZE,
    LedgerFigures,
    LedgerPage,
    LedgerQuery,
    ledger_figures,
    ledger_page,
)
from portal.access import Permission, Refusal, membership_allows
from portal.models import Membership


def _supervisor(membership: Membership) -> Actor:
    if not membership_allows(membership, Permission.VIEW_AUDIT):
        raise PermissionDenied(f"role {membership.role} may not read the ledger")
    if not membership.organisation.ura:
        # The ledger names an organisation by its URA; without one, "its" events cannot be
        # told from those of any other organisation without a URA.
        raise Refusal(
            _(
                "Your organisation has no URA number in the portal, so its log cannot be "
                "shown. Ask the administrator to add it."
            )
        )
    return Actor.for_membership(membership)


@transaction.atomic
def ledger_search(*, membership: Membership, query: LedgerQuery) -> LedgerPage:
    """One page of the membership's organisation's events that match `query`; logged with
    the filters and the page's cursor (a search for one patient names the patient, so
    that their own log shows that a supervisor looked)."""
    actor = _supervisor(membership)
    page = ledger_page(membership.organisation.ura, **query.filters(), size=PAGE_SIZE)
    events.ledger_searched(
        actor=actor,
        filters=query.detail(),
        page_size=PAGE_SIZE,
        cursor=query.cursor.as_detail() if query.cursor else None,
        patient_bsn=query.bsn,
    )
    return page


@transaction.atomic
def ledger_charts(*, membership: Membership, first: dt.date, last: dt.date) -> LedgerFigures:
    """The counts behind the charts of the organisation's days first..last; logged."""
    actor = _supervisor(membership)
    figures = ledger_figures(membership.organisation.ura, first=first, last=last)
    events.ledger_charts_read(
        actor=actor, period={"from": first.isoformat(), "to": last.isoformat()}
    )
    return figures
