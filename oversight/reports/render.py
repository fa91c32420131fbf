"""The report as a PDF (WeasyPrint): each chart as SVG with its figures beside it in
tables of at most ROWS_PER_TABLE rows (oversight.reports.content.chunks)."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from oversight.reports.content import ReportContent, chunks


def report_pdf(content: ReportContent) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    html = render_to_string(
        "oversight/reports/report_pdf.html",
        {
            "report": content,
            "charts": [(chart, chunks(chart.rows)) for chart in content.charts],
            "alert_tables": chunks(content.alerts),
        },
    )
    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)
