"""The patient's own pages: open an account with the GP practice's code, confirm the
e-mail address, see who accessed their data and register their own choice. Thin views:
validate, call one service (patients.services), render."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.models import Decision, Scope
from patients.forms import ActivationForm, LetterOverviewForm, OwnChoiceForm, PeriodForm
from patients.identity import IdentityNotEstablished
from patients.pdf import overview_pdf
from patients.selectors import Period
from patients.services import (
    AddressInUse,
    email_confirmed,
    patient_account,
    patient_account_open,
    patient_choice_change,
    patient_overview_for_letter,
    patient_page_open,
)
from portal.access import Permission, Refusal, patient, public, requires


@public
@require_http_methods(["GET", "POST"])
def activate(request):
    """Open an account with the activation code (no patient data is shown here)."""
    if request.user.is_authenticated:
        return redirect("patient_home" if request.user.is_patient else "home")
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = ratelimit.consume_or_429(request, action="patient_activation")
        if limited is not None:
            return limited
        data = form.cleaned_data
        try:
            user = patient_account_open(
                proof={"code": data["code"], "birth_date": data["birth_date"]},
                email=data["email"],
                password=data["password1"],
            )
        except IdentityNotEstablished:
            form.add_error(
                "code",
                _(
                    "This code cannot be used: it is unknown, expired or used already, or the"
                    " birth date does not belong to it. Check both, or ask your GP practice"
                    " for a new letter."
                ),
            )
        except AddressInUse:
            form.add_error("email", _("This e-mail address cannot be used. Choose another."))
        else:
            EmailAddress.objects.get_primary(user).send_confirmation(request, signup=True)
            return perform_login(request, user, redirect_url=reverse("patient_home"))
    return render(request, "patients/activate.html", {"form": form})


@patient
@require_http_methods(["GET", "POST"])
def email_pending(request):
    """Until the address is confirmed the patient sees nothing of their data."""
    if email_confirmed(request.user):
        return redirect("patient_home")
    address = EmailAddress.objects.get_primary(request.user)
    if request.method == "POST" and address is not None:
        if ratelimit.consume(request, action="confirm_email", key=address.email.lower()):
            address.send_confirmation(request)
            messages.success(request, _("We sent the e-mail again."))
        else:
            messages.info(request, _("We sent it only just now. Wait a few minutes."))
        return redirect("patient_email")
    return render(request, "patients/email_pending.html", {"address": address})


def _older(request) -> int | None:
    value = request.GET.get("ouder", "")
    return int(value) if value.isdigit() else None


@patient
@require_http_methods(["GET", "POST"])
def home(request):
    account = patient_account(request.user)
    if not account.address_confirmed:
        return redirect("patient_email")
    choice_form = OwnChoiceForm(request.POST or None)
    if request.method == "POST" and choice_form.is_valid():
        choice = choice_form.cleaned_data
        if "confirm" in request.POST:
            patient_choice_change(
                account=account, decision=Decision(choice["decision"]), scope=Scope(choice["scope"])
            )
            messages.success(request, _("Your choice is registered."))
            return redirect("patient_home")
        if "change" not in request.POST:
            return render(
                request,
                "patients/confirm.html",
                {
                    "form": choice_form,
                    "decision": choice["decision"],
                    "scope": Scope(choice["scope"]),
                },
            )
    period_form = PeriodForm(request.GET or None)
    period = Period(**period_form.cleaned_data) if period_form.is_valid() else Period()
    page = patient_page_open(account=account, period=period, before=_older(request))
    return render(
        request,
        "patients/home.html",
        {"page": page, "period_form": period_form, "choice_form": choice_form},
    )


@requires(Permission.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def overview_for_letter(request):
    """The privacy officer makes a patient's overview as a PDF, for a patient who asked by
    letter; the PDF is downloaded, not kept."""
    form = LetterOverviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            overview = patient_overview_for_letter(
                membership=request.membership,
                bsn=form.cleaned_data["bsn"],
                reference=form.cleaned_data["reference"],
            )
        except Refusal as refusal:
            form.add_error("bsn", str(refusal))
        else:
            response = HttpResponse(overview_pdf(overview), content_type="application/pdf")
            # No BSN in the file's name: downloads folders are not private.
            stamp = overview.made_at.strftime("%Y%m%d-%H%M%S")
            response["Content-Disposition"] = (
                f'attachment; filename="toegangsoverzicht-{stamp}.pdf"'
            )
            return response
    return render(request, "patients/overview_request.html", {"form": form})
