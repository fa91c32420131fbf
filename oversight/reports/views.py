"""The supervisors' reports (/toezicht/rapporten/): the list with each report's progress,
the request of a period, the download. Thin views: validate, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.models import Report
from oversight.reports.forms import ReportPeriodForm
from oversight.reports.services import (
    organisation_reports,
    report_download,
    report_request,
    report_retry,
)
from portal.access import Permission, requires


@requires(Permission.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def reports(request):
    form = ReportPeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        first, last = form.period()
        report_request(membership=request.membership, first=first, last=last)
        messages.success(request, _("The report is being made. This page shows how far it is."))
        return redirect("oversight_reports")
    found = organisation_reports(request.membership)
    busy = any(r.state in (Report.State.QUEUED, Report.State.RUNNING) for r in found)
    return render(
        request, "oversight/reports/list.html", {"form": form, "reports": found, "busy": busy}
    )


@requires(Permission.VIEW_AUDIT)
@require_GET
def download(request, report_id: int):
    report, pdf = report_download(membership=request.membership, report_id=report_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"toegangsrapport-{report.first_day:%Y%m%d}-{report.last_day:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Permission.VIEW_AUDIT)
@require_POST
def retry(request, report_id: int):
    report_retry(membership=request.membership, report_id=report_id)
    messages.success(request, _("The report is being made again."))
    return redirect("oversight_reports")
