from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import Decision, Scope

RADIO = forms.RadioSelect(attrs={"class": "utrecht-radio-button utrecht-radio-button--html-input"})


def scope_field() -> forms.ChoiceField:
    """For which kind of emergency care a choice holds: the GP's form and the patient's."""
    return forms.ChoiceField(
        label=_("For"),
        choices=[
            (Scope.BOTH, _("GP out-of-hours posts and emergency departments")),
            (Scope.HAP, _("GP out-of-hours posts (HAP) only")),
            (Scope.SEH, _("Emergency departments (SEH) only")),
        ],
        initial=Scope.BOTH,
        widget=RADIO,
    )


class ChoiceForm(forms.Form):
    """The GP registers what the patient chose, for one or both kinds of emergency care."""

    decision = forms.ChoiceField(
        label=_("The patient's choice"),
        choices=[
            (Decision.CONSENT, _("Consent: HAP and SEH may see the summary")),
            (Decision.REFUSAL, _("Refusal: no one may see the summary")),
            (Decision.BLANK, _("Withdraw: back to no choice")),
        ],
        widget=RADIO,
    )
    scope = scope_field()
    by_representative = forms.BooleanField(
        label=_("Chosen by a representative (parent, guardian, legal representative)"),
        required=False,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input"}),
    )
