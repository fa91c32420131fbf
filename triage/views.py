"""Thin views: validate, call one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import MisuseAlert
from consent.models import Answer
from portal.access import Permission, requires
from portal.forms import PatientSearchForm
from triage.forms import PointOfCareForm
from triage.point_of_care import consent_page_for, open_encounter, point_of_care_record
from triage.search import Found, SearchThrottled, patient_search
from triage.summary import summary_for_view


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET", "POST"])
def search(request):
    form = PatientSearchForm(request.POST or None)
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
                {
                    "failed_searches": throttled.kind == MisuseAlert.Kind.FAILED_SEARCHES,
                    "limit": settings.TRIAGE_FAILED_SEARCHES_PER_HOUR
                    if throttled.kind == MisuseAlert.Kind.FAILED_SEARCHES
                    else settings.TRIAGE_PATIENTS_PER_HOUR,
                },
                status=429,
            )
        if result.found is Found.PATIENT:
            return redirect("triage_consent", public_id=result.encounter.public_id)
    return render(request, "triage/search.html", {"form": form, "result": result})


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET", "POST"])
def consent(request, public_id):
    now = timezone.now()
    opened = open_encounter(membership=request.membership, public_id=public_id, now=now)
    encounter = opened.encounter
    page = consent_page_for(opened=opened, now=now)
    ask_covid = page.asks_suspected_covid
    if "change" in request.POST:
        # "Change answer" on the review step: the answer back in the form, not recorded.
        posted = PointOfCareForm(request.POST, ask_covid=ask_covid)
        initial = posted.cleaned_data if posted.is_valid() else {}
        form = PointOfCareForm(initial=initial, ask_covid=ask_covid)
    else:
        form = PointOfCareForm(request.POST or None, ask_covid=ask_covid)
    if form.is_bound and form.is_valid():
        if "review" in request.POST:
            return render(
                request,
                "triage/consent_review.html",
                {"form": form, "encounter": encounter, "answer": _answer_label(form)},
            )
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
    return render(
        request,
        "triage/consent.html",
        {
            "form": form,
            "encounter": encounter,
            "patient_name": page.patient_name,
            "age": page.age,
            "registered": page.registered,
            "policies": page.policies,
        },
    )


def _answer_label(form: PointOfCareForm) -> str:
    return Answer(form.cleaned_data["answer"]).label


@requires(Permission.VIEW_SUMMARY)
@require_http_methods(["GET"])
def summary(request, public_id):
    now = timezone.now()
    opened = open_encounter(membership=request.membership, public_id=public_id, now=now)
    view = summary_for_view(membership=request.membership, opened=opened, now=now)
    status = 200 if view.decision.allowed else 403
    return render(
        request,
        "triage/summary.html",
        {
            "view": view,
            "encounter": opened.encounter,
            "answer": opened.answer.answer if opened.answer else "",
        },
        status=status,
    )
