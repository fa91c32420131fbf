"""The ledger search's rows, built in Python.

A page lists 50 events of eight cells each; rendered by the template language, each row
cost a context push, ten lookups and Django's lazy-aware escaping per cell — the largest part
of the page's time (docs/performance.md, "Oversight"). Here a row is one f-string with every
value escaped (html.escape, what Django's escape does for a str); the table's head and the
rest of the markup stay in templates/oversight/ledger/search.html, which calls this tag.

Most values repeat from row to row and page to page (the labels, the staff's names, the
policies), so each is escaped once and kept: html.escape is six calls (five replaces), a
kept value one lookup — some 2,000 calls a page fewer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape as _escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from oversight.ledger.selectors import LedgerRow

register = template.Library()

# A value's escaped text, kept (a page's ~400 values are mostly the same few dozen).
escape = functools.lru_cache(maxsize=4096)(_escape)


@register.simple_tag
def ledger_rows(rows: Iterable[LedgerRow]) -> SafeString:
    """When, event, who (with their role), patient, consent basis, policy, outcome (in bold
    when it did not succeed)."""
    html = []
    for row in rows:
        who = escape(row.user_name or row.username)
        if row.role:
            who += f'<br><span class="muted">{escape(row.role)}</span>'
        outcome = (
            escape(row.outcome) if row.succeeded else f"<strong>{escape(row.outcome)}</strong>"
        )
        html.append(
            f'<tr class="utrecht-table__row" data-seq="{row.seq}">'
            f'<td class="utrecht-table__cell ledger-time">{escape(row.local_time)}</td>'
            f'<td class="utrecht-table__cell">{escape(row.event_type)}</td>'
            f'<td class="utrecht-table__cell">{who}</td>'
            f'<td class="utrecht-table__cell">{escape(row.patient_bsn)}</td>'
            f'<td class="utrecht-table__cell">{escape(row.consent_basis)}</td>'
            f'<td class="utrecht-table__cell">{escape(row.policy)}</td>'
            f'<td class="utrecht-table__cell">{outcome}</td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped
