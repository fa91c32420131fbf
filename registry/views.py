"""The GP's pages: find one of the practice's own patients, see and register their choice;
the practice's notifications (who opened a patient's summary by emergency access or under a
policy). Thin views: validate, call one service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.models import Decision, Scope
from portal.access import Permission, requires
from portal.forms import PatientSearchForm
from registry.activation import activation_code_issue
from registry.forms import ChoiceForm
from registry.notification_selectors import notifications_unread
from registry.notifications import (
    registry_notification_mark_read,
    registry_notification_patient,
    registry_notifications_open,
    registry_patient_page_open,
)
from registry.services import (
    registry_choice_register,
    registry_patient_find,
)

# The patient the GP has open: one at a time, kept in the session (never in a URL).
SESSION_PATIENT = "registry_patient"
# A BSN for the search form to start with (a notification's patient whose birth date the
# portal does not hold): in the session too, never in a URL.
SESSION_SEARCH_BSN = "registry_search_bsn"


@requires(Permission.MANAGE_CONSENT)
@require_http_methods(["GET", "POST"])
def search(request):
    form = PatientSearchForm(request.POST or None)
    prefilled = request.session.pop(SESSION_SEARCH_BSN, "")
    if prefilled and request.method == "GET":
        form = PatientSearchForm(initial={"bsn": prefilled})
        # The BSN is there: the cursor waits in the birth date.
        form.fields["bsn"].widget.attrs.pop("autofocus", None)
        form.fields["birth_date"].widget.attrs["autofocus"] = True
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
    return render(
        request,
        "registry/search.html",
        {
            "form": form,
            "not_found": not_found,
            "unread": notifications_unread(membership=request.membership),
        },
    )


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
    page = registry_patient_page_open(membership=request.membership, bsn=bsn, birth_date=birth_date)
    return render(
        request,
        "registry/patient.html",
        {"registry": page.registry, "form": form, "notifications": page.notifications},
    )


@requires(Permission.MANAGE_CONSENT)
@require_POST
def activation_letter(request):
    """A new activation code for the open patient, on a letter to print: the one time the
    code is shown (only its hash is kept)."""
    opened = request.session.get(SESSION_PATIENT)
    if not opened:
        return redirect("registry_search")
    issued = activation_code_issue(
        membership=request.membership,
        bsn=opened[0],
        birth_date=dt.date.fromisoformat(opened[1]),
    )
    return render(
        request,
        "registry/activation_letter.html",
        {
            "issued": issued,
            "activate_url": request.build_absolute_uri(reverse("patient_activate")),
        },
    )


@requires(Permission.MANAGE_CONSENT)
@require_GET
def notifications(request):
    found = registry_notifications_open(
        membership=request.membership, number=request.GET.get("page")
    )
    return render(request, "registry/notifications.html", {"notifications": found})


@requires(Permission.MANAGE_CONSENT)
@require_POST
def notification_mark_read(request, notification_id: int):
    marked = registry_notification_mark_read(
        membership=request.membership, notification_id=notification_id, now=timezone.now()
    )
    if marked is None:
        raise Http404("no such notification")
    messages.success(request, _("The notification is marked as read."))
    if request.POST.get("next") == "patient":
        return redirect("registry_patient")
    return redirect("registry_notifications")


@requires(Permission.MANAGE_CONSENT)
@require_POST
def notification_patient(request, notification_id: int):
    """The patient page of a notification's patient: opened at once when the portal holds
    their birth date (the page checks they are still the practice's patient); otherwise
    the search, with the BSN filled in, asks the GP for it.

    A POST (CSRF-checked): it changes the session, and another practice's notification
    writes an access_denied event naming its patient under the GP's name. As a GET, a
    link on any site could do either (SameSite=Lax cookies go with a top-level
    navigation) and make the GP look like a prober."""
    patient = registry_notification_patient(
        membership=request.membership, notification_id=notification_id
    )
    if patient is None:
        raise Http404("no such notification")
    if patient.birth_date is None:
        request.session[SESSION_SEARCH_BSN] = patient.bsn
        return redirect("registry_search")
    request.session[SESSION_PATIENT] = [patient.bsn, patient.birth_date.isoformat()]
    return redirect("registry_patient")
