"""The supervisors' ledger pages: the search (/toezicht/logboek/) and the charts
(/toezicht/logboek/grafieken/). GET forms, so a search can be bookmarked; thin views:
validate, call one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from oversight.ledger.charts import charts_draw
from oversight.ledger.forms import ChartsPeriodForm, LedgerSearchForm
from oversight.ledger.selectors import Cursor
from oversight.ledger.services import ledger_charts, ledger_search
from portal.access import Permission, requires


def _link(form: LedgerSearchForm, cursor: Cursor | None) -> str | None:
    """The same search, from `cursor` on: its fields as typed, and the page's position."""
    if cursor is None:
        return None
    return "?" + urlencode((*form.typed(), ("pagina", cursor.dumps())))


@requires(Permission.VIEW_AUDIT)
@require_GET
def ledger(request):
    form = LedgerSearchForm(request.GET)
    page = older = newer = None
    if form.is_valid():
        page = ledger_search(membership=request.membership, query=form.query())
        older, newer = _link(form, page.older), _link(form, page.newer)
    return render(
        request,
        "oversight/ledger/search.html",
        {"form": form, "page": page, "older": older, "newer": newer},
    )


@requires(Permission.VIEW_AUDIT)
@require_GET
def charts(request):
    form = ChartsPeriodForm(request.GET)
    drawn = None
    if form.is_valid():
        first, last = form.period()
        figures = ledger_charts(membership=request.membership, first=first, last=last)
        drawn = charts_draw(figures)
    return render(request, "oversight/ledger/charts.html", {"form": form, "charts": drawn})
