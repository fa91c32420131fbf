from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.identifiers import validate_bsn
from triage.models import EmergencyReason, PointOfCareConsent

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateInputField(forms.DateField):
    """A date as a date input sends it (ISO, 2026-11-27) read at once; any other spelling
    as DateField reads it. Only the ISO format fits four digits, a dash, two, a dash and
    two, so the result is the same; the Dutch formats tried first cost ~60 µs a search."""

    def to_python(self, value):
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass  # e.g. 1950-02-30: DateField says what is wrong
        return super().to_python(value)


class SearchForm(forms.Form):
    """BSN and birth date, both required, exact: never a name, never a wildcard."""

    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9 .]*",
            }
        ),
    )
    birth_date = DateInputField(
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_bsn(self) -> str:
        # People write BSNs with spaces or dots in groups of three.
        bsn = self.cleaned_data["bsn"].replace(" ", "").replace(".", "")
        validate_bsn(bsn)
        return bsn


class PointOfCareForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("What did the patient say?"),
        choices=PointOfCareConsent.Answer.choices,
        widget=forms.RadioSelect,
    )
    by_representative = forms.BooleanField(
        label=_("Answered by a representative (parent, guardian, legal representative)"),
        required=False,
    )
    representative = forms.CharField(
        label=_("Who answered for the patient (relation, name)"),
        max_length=200,
        required=False,
    )
    suspected_covid = forms.BooleanField(label=_("(Suspected) COVID-19"), required=False)
    register_lasting = forms.BooleanField(
        label=_("The patient wants this choice registered, so they need not be asked again"),
        required=False,
    )
    emergency_reason = forms.ChoiceField(
        label=_("Why can the patient not consent?"),
        choices=[("", "—"), *EmergencyReason.choices],
        required=False,
    )
    emergency_text = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, ask_covid: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not ask_covid:
            del self.fields["suspected_covid"]

    def clean(self):
        data = super().clean()
        if data.get("by_representative") and not data.get("representative"):
            self.add_error("representative", _("Say who answered for the patient."))
        if data.get("answer") == PointOfCareConsent.Answer.CANNOT_CONSENT:
            if not data.get("emergency_reason"):
                self.add_error("emergency_reason", _("Emergency access needs a reason."))
            elif data["emergency_reason"] == EmergencyReason.OTHER and not data.get(
                "emergency_text"
            ):
                self.add_error("emergency_text", _("Explain the reason."))
        return data

    def indications(self) -> list[str]:
        return ["suspected_covid"] if self.cleaned_data.get("suspected_covid") else []
