from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.identifiers import validate_bsn
from consent.models import Answer
from triage.models import EmergencyReason

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
                "class": "utrecht-textbox utrecht-textbox--html-input utrecht-textbox--numeric",
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9 .]*",
            }
        ),
    )
    birth_date = DateInputField(
        label=_("Birth date"),
        widget=forms.DateInput(
            attrs={"type": "date", "class": "utrecht-textbox utrecht-textbox--html-input"},
            format="%Y-%m-%d",
        ),
    )

    def clean_bsn(self) -> str:
        # People write BSNs with spaces or dots in groups of three.
        bsn = self.cleaned_data["bsn"].replace(" ", "").replace(".", "")
        validate_bsn(bsn)
        return bsn


class PointOfCareForm(forms.Form):
    """The patient's answer. The fields that apply to one answer only are hidden by
    static/triage/consent.js until they apply; without JavaScript they are all shown, and
    clean() drops what does not go with the answer, so a hidden value is never recorded."""

    # No `required` attribute in the page: the design system rings :invalid radios red, and
    # an untouched form must not look like an error. The server checks the answer.
    use_required_attribute = False

    answer = forms.ChoiceField(
        label=_("What did the patient say?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the patient said.")},
    )
    by_representative = forms.BooleanField(
        label=_("Answered by a representative (parent, guardian, legal representative)"),
        required=False,
    )
    representative = forms.CharField(
        label=_("Who answered for the patient (relation, name)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input"}),
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
        widget=forms.Select(attrs={"class": "utrecht-select utrecht-select--html-select"}),
    )
    emergency_text = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "utrecht-textarea utrecht-textarea--html-textarea"}
        ),
    )

    def __init__(self, *args, ask_covid: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not ask_covid:
            del self.fields["suspected_covid"]

    def clean(self):
        data = super().clean()
        answer = data.get("answer")
        if answer == Answer.CANNOT_CONSENT:
            # Nobody answered: no representative, and nothing to register as lasting.
            data.update(by_representative=False, representative="", register_lasting=False)
            if not data.get("emergency_reason"):
                self.add_error("emergency_reason", _("Emergency access needs a reason."))
            elif data["emergency_reason"] == EmergencyReason.OTHER and not data.get(
                "emergency_text"
            ):
                self.add_error("emergency_text", _("Explain the reason."))
        else:
            data.update(emergency_reason="", emergency_text="")
            if not data.get("by_representative"):
                data["representative"] = ""
            elif not data.get("representative"):
                self.add_error("representative", _("Say who answered for the patient."))
        return data

    @property
    def focus(self) -> str:
        """The field the page focuses: the first with an error, else the answer."""
        if not self.is_bound:
            return "answer"
        return next((name for name in self.errors if name in self.fields), "answer")

    def indications(self) -> list[str]:
        return ["suspected_covid"] if self.cleaned_data.get("suspected_covid") else []
