"""Thin views: validate, call one service or selector, render."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import MisuseAlert
from consent.selectors import policies_at
from portal.access import Permission, requires
from triage.forms import PointOfCareForm, SearchForm
from triage.point_of_care import open_encounter, point_of_care_record
from triage.search import Found, SearchThrottled, patient_search
from triage.summary import summary_for_view


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET", "POST"])
def search(request):
    form = SearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = patient_search(
                membership=request.membership,
                bsn=form.cleaned_data["bsn"],
                birth_date=form.cleaned_data["birth_date"],
                now=timezone.now(),
            )
        except SearchThrottled as throttled:
            return render(
                request,
                "triage/throttled.html",
                {"failed_searches": throttled.kind == MisuseAlert.Kind.FAILED_SEARCHES},
                status=429,
            )
        if result.found is Found.PATIENT:
            return redirect("triage_consent", public_id=result.encounter.public_id)
    return render(request, "triage/search.html", {"form": form, "result": result})


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET", "POST"])
def consent(request, public_id):
    now = timezone.now()
    encounter = open_encounter(membership=request.membership, public_id=public_id, now=now)
    ask_covid = any(p.in_force and p.condition == "suspected_covid" for p in policies_at(now))
    form = PointOfCareForm(request.POST or None, ask_covid=ask_covid)
    if request.method == "POST" and form.is_valid():
        point_of_care_record(
            membership=request.membership,
            encounter=encounter,
            now=now,
            answer=form.cleaned_data["answer"],
            by_representative=form.cleaned_data["by_representative"],
            representative=form.cleaned_data["representative"],
            indications=form.indications(),
            emergency_reason=form.cleaned_data["emergency_reason"],
            emergency_text=form.cleaned_data["emergency_text"],
            register_lasting=form.cleaned_data["register_lasting"],
        )
        return redirect("triage_summary", public_id=encounter.public_id)
    return render(request, "triage/consent.html", {"form": form, "encounter": encounter})


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET"])
def summary(request, public_id):
    now = timezone.now()
    encounter = open_encounter(membership=request.membership, public_id=public_id, now=now)
    view = summary_for_view(membership=request.membership, encounter=encounter, now=now)
    status = 200 if view.decision.allowed else 403
    return render(
        request, "triage/summary.html", {"view": view, "encounter": encounter}, status=status
    )
