"""The GP's pages: find one of the practice's own patients, see and register their choice.
Thin views: validate, call one service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.models import Decision, Scope
from portal.access import Permission, requires
from portal.forms import PatientSearchForm
from registry.forms import ChoiceForm
from registry.services import (
    registry_choice_register,
    registry_patient_find,
    registry_patient_open,
)

# The patient the GP has open: one at a time, kept in the session (never in a URL).
SESSION_PATIENT = "registry_patient"


@requires(Permission.MANAGE_CONSENT)
@require_http_methods(["GET", "POST"])
def search(request):
    form = PatientSearchForm(request.POST or None)
    not_found = False
    if request.method == "POST" and form.is_valid():
        bsn, birth_date = form.cleaned_data["bsn"], form.cleaned_data["birth_date"]
        patient = registry_patient_find(
            membership=request.membership, bsn=bsn, birth_date=birth_date
        )
        if patient is not None:
            request.session[SESSION_PATIENT] = [bsn, birth_date.isoformat()]
            return redirect("registry_patient")
        not_found = True
    return render(request, "registry/search.html", {"form": form, "not_found": not_found})


@requires(Permission.MANAGE_CONSENT)
@require_http_methods(["GET", "POST"])
def patient(request):
    opened = request.session.get(SESSION_PATIENT)
    if not opened:
        return redirect("registry_search")
    bsn, birth_date = opened[0], dt.date.fromisoformat(opened[1])
    form = ChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data
        if "confirm" in request.POST:
            registry_choice_register(
                membership=request.membership,
                bsn=bsn,
                birth_date=birth_date,
                decision=Decision(choice["decision"]),
                scope=Scope(choice["scope"]),
                by_representative=choice["by_representative"],
                note=choice["note"],
            )
            messages.success(request, _("The choice is registered."))
            return redirect("registry_patient")
        if "change" not in request.POST:
            return render(
                request,
                "registry/confirm.html",
                {"form": form, "decision": choice["decision"], "scope": Scope(choice["scope"])},
            )
    registry = registry_patient_open(membership=request.membership, bsn=bsn, birth_date=birth_date)
    return render(request, "registry/patient.html", {"registry": registry, "form": form})
