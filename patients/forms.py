from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consent.models import Decision
from portal.forms import DateInputField, bsn_cleaned
from registry.forms import RADIO, scope_field

TEXT = "utrecht-textbox utrecht-textbox--html-input"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": TEXT}, format="%Y-%m-%d")


class ActivationForm(forms.Form):
    """Open an account with the code from the GP practice's letter."""

    code = forms.CharField(
        label=_("Activation code (from the letter of your GP practice)"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"class": TEXT, "autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    birth_date = DateInputField(label=_("Your birth date"), widget=_date_input())
    email = forms.EmailField(
        label=_("Your e-mail address (you sign in with it)"),
        max_length=150,
        widget=forms.EmailInput(attrs={"class": TEXT, "autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"class": TEXT, "autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"class": TEXT, "autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_birth_date(self) -> dt.date:
        birth_date = self.cleaned_data["birth_date"]
        if birth_date > timezone.localdate():
            raise ValidationError(_("A birth date cannot be in the future."))
        return birth_date

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PeriodForm(forms.Form):
    """Which accesses to list: from and to a day (either may be left open)."""

    since = DateInputField(
        label=pgettext_lazy("start of a period", "From"), required=False, widget=_date_input()
    )
    until = DateInputField(label=_("Up to and including"), required=False, widget=_date_input())

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period lies before its start."))
        return cleaned


class OwnChoiceForm(forms.Form):
    """The patient's own choice, for one or both kinds of emergency care."""

    decision = forms.ChoiceField(
        label=_("Your choice"),
        choices=[
            (Decision.CONSENT, _("Consent: a HAP or SEH may see my summary")),
            (Decision.REFUSAL, _("Refusal: nobody may see my summary")),
            (Decision.BLANK, _("No choice: I withdraw my earlier choice")),
        ],
        widget=RADIO,
    )
    scope = scope_field()


class LetterOverviewForm(forms.Form):
    """The privacy officer's request for one patient's overview, from the patient's letter."""

    bsn = forms.CharField(
        label=_("The patient's BSN"),
        max_length=11,
        error_messages={"required": _("Fill in the patient's BSN.")},
        widget=forms.TextInput(
            attrs={
                "class": TEXT + " utrecht-textbox--numeric",
                "autofocus": True,
                "inputmode": "numeric",
                "autocomplete": "off",
            }
        ),
    )
    reference = forms.CharField(
        label=_("Reference of the patient's letter"),
        max_length=100,
        error_messages={"required": _("Fill in the reference of the patient's letter.")},
        widget=forms.TextInput(attrs={"class": TEXT, "autocomplete": "off"}),
    )
    identity_checked = forms.BooleanField(
        label=_("I checked that the letter comes from this patient (or their representative)"),
        error_messages={
            "required": _("Check that the letter comes from this patient, then tick the box.")
        },
        widget=forms.CheckboxInput(
            attrs={"class": "utrecht-checkbox utrecht-checkbox--html-input"}
        ),
    )

    def clean_bsn(self) -> str:
        return bsn_cleaned(self.cleaned_data["bsn"])

    def clean_reference(self) -> str:
        return " ".join(self.cleaned_data["reference"].split())
