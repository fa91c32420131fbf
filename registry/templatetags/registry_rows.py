"""The GP patient page's long tables, row by row in Python.

A patient's consultations can run to hundreds of rows. Rendered by the template language,
each row cost ~50 µs (a context push, five lookups, a filter, escaping per cell through
Django's lazy-aware helpers): most of the page's time (docs/performance.md, "Registry").
Here a row is one f-string; every value is escaped (html.escape, what Django's escape does
for a str), and the markup stays next to the page's other markup in the template that calls
these tags (templates/registry/patient.html).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.templatetags.triage import day_month_time
from registry.selectors import Consultation, RegistrationRow

register = template.Library()


@register.simple_tag
def consultation_rows(consultations: Iterable[Consultation]) -> SafeString:
    """When, organisation, role, basis (in bold for an emergency access)."""
    rows = []
    for c in consultations:
        basis = f"<strong>{escape(c.basis)}</strong>" if c.emergency else escape(c.basis)
        rows.append(
            '<tr class="utrecht-table__row">'
            f'<td class="utrecht-table__cell">{escape(day_month_time(c.at))}</td>'
            f'<td class="utrecht-table__cell">{escape(c.organisation)}</td>'
            f'<td class="utrecht-table__cell">{escape(c.role)}</td>'
            f'<td class="utrecht-table__cell">{basis}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def history_rows(history: Iterable[RegistrationRow]) -> SafeString:
    """When, choice, scope, source, and by whom (their organisation, a representative)."""
    through_representative = escape(gettext("through a representative"))
    rows = []
    for r in history:
        by = escape(r.registered_by)
        if r.organisation:
            by += f", {escape(r.organisation)}"
        if r.by_representative:
            by += f" ({through_representative})"
        rows.append(
            '<tr class="utrecht-table__row">'
            f'<td class="utrecht-table__cell">{escape(day_month_time(r.registered_at))}</td>'
            f'<td class="utrecht-table__cell">{escape(r.decision)}</td>'
            f'<td class="utrecht-table__cell">{escape(r.scope)}</td>'
            f'<td class="utrecht-table__cell">{escape(r.source)}</td>'
            f'<td class="utrecht-table__cell">{by}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
