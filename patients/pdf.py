"""The patient's overview as a PDF (WeasyPrint), for a patient who asked by letter. Built
from the same rows as their page (patients.selectors), so both say the same."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from patients.services import LetterOverview


def overview_pdf(overview: LetterOverview) -> bytes:
    html = render_to_string("patients/overview_pdf.html", {"overview": overview})
    return HTML(string=html).write_pdf()
