"""The patient's page's tables, row by row in Python (as registry/templatetags/registry_rows.py).

Rendered by the template language a row of the access log cost ~430 Python calls (a
context push, a dozen lookups, filters, escaping per cell through Django's lazy-aware
helpers): most of the page's time (docs/performance.md, "The patient's own page, its Python
cut"). Here a row is one f-string; every value is escaped (html.escape, what Django's escape
does for a str), and the markup stays beside the page's other markup, in
templates/patients/home.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from consent.models import ConsentRegistration
from patients.selectors import LogRow, Review
from portal.templatetags.triage import day_month_time

register = template.Library()

_CELL = '<td class="utrecht-table__cell">'


@register.simple_tag
def access_log_rows(rows: Iterable[LogRow]) -> SafeString:
    """When; who (the organisation in bold, the person, their role, the responsible
    person); what was done; on what basis; whether supervision checked it."""
    reviews = {
        Review.REVIEWED: escape(gettext("Yes, checked")),
        Review.PENDING: escape(gettext("Not yet: it will be")),
    }
    responsible = gettext("responsible: %(name)s")
    html = []
    for row in rows:
        who = f"<strong>{escape(row.organisation)}</strong><br>" if row.organisation else ""
        who += escape(row.person)
        if row.role:
            who += f' <span class="muted">({escape(row.role.lower())})</span>'
        if row.responsible:
            named = escape(responsible % {"name": row.responsible})
            who += f'<br><span class="muted">{named}</span>'
        html.append(
            '<tr class="utrecht-table__row">'
            f"{_CELL}{escape(day_month_time(row.at))}</td>"
            f"{_CELL}{who}</td>"
            f"{_CELL}{escape(row.what)}</td>"
            f"{_CELL}{escape(row.basis) or '—'}</td>"
            f"{_CELL}{reviews.get(row.review, '—')}</td></tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def own_history_rows(history: Iterable[ConsentRegistration]) -> SafeString:
    """When, the choice, for which care, its source (and the organisation that registered
    it)."""
    html = []
    for registration in history:
        source = escape(str(registration.get_source_display()))
        if registration.organisation_name:
            source += f" ({escape(registration.organisation_name)})"
        html.append(
            '<tr class="utrecht-table__row">'
            f"{_CELL}{escape(day_month_time(registration.registered_at))}</td>"
            f"{_CELL}{escape(str(registration.get_decision_display()))}</td>"
            f"{_CELL}{escape(str(registration.get_scope_display()))}</td>"
            f"{_CELL}{source}</td></tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped
