from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import Answer
from portal.widgets import PlainSelect
from triage.models import EmergencyReason


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
        widget=PlainSelect(attrs={"class": "utrecht-select utrecht-select--html-select"}),
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
