"""The administrator's forms for the policies. They parse what was typed, and ask for what
is missing before the confirmation step; the rules (a reason, an end after the start, a
unique name) are the services', for every caller."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.models import Policy

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
# A date and a time, as the browser's own picker sends it (2026-12-05T09:30), in Dutch time.
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _moment(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[MOMENT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": TEXTBOX}, format=MOMENT_FORMAT
        ),
    )


def _reason(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1000,
        widget=forms.Textarea(
            attrs={"class": "utrecht-textarea utrecht-textarea--html-textarea", "rows": 3}
        ),
    )


def _same_minute(typed: dt.datetime | None, kept: dt.datetime | None) -> dt.datetime | None:
    """The picker shows minutes: a moment sent back unchanged keeps its seconds, so an
    untouched start is no change in the history."""
    if typed is not None and kept is not None:
        if timezone.localtime(kept).replace(second=0, microsecond=0) == typed:
            return kept
    return typed


class _FieldNamedInErrors(forms.Form):
    """Each error names its field: the message is read out on its own, and an error summary
    lists them all."""

    # No `required` attribute: the design system rings an empty required field red before
    # anything was typed; the optional fields say so in their label.
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = {"field": field.label}
            field.error_messages["required"] = (
                gettext("Give the reason for this change: it is kept in the history.")
                if name == "reason"
                else gettext("Fill in “%(field)s”.") % label
            )
            if isinstance(field, forms.DateTimeField):
                field.error_messages["invalid"] = (
                    gettext("“%(field)s” is not a date and time.") % label
                )

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:  # the text_field component writes the error with this id
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def focus(self, default: str | None = None) -> _FieldNamedInErrors:
        """Keyboard first: the cursor waits in the first field with an error, else in
        `default`."""
        name = next((n for n in self.fields if n in self.errors), default)
        if name is not None:
            self.fields[name].widget.attrs["autofocus"] = True
        return self


class PolicyCreateForm(_FieldNamedInErrors):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "off"}),
    )
    starts_at = _moment(_("In force from"))
    ends_at = _moment(_("In force until (optional)"), required=False)
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=Policy.Condition.choices,
        initial=Policy.Condition.NONE,
        required=False,  # "no condition" is the empty value
        widget=forms.RadioSelect,
    )
    reason = _reason(_("Reason or legal basis"))


class PolicyPeriodForm(_FieldNamedInErrors):
    starts_at = _moment(_("In force from"))
    ends_at = _moment(_("In force until (optional)"), required=False)
    reason = _reason(_("Reason for the change"))

    def __init__(self, *args, policy: Policy, **kwargs):
        kwargs.setdefault("initial", {"starts_at": policy.starts_at, "ends_at": policy.ends_at})
        kwargs.setdefault("auto_id", "period_%s")  # the switch's form is on the same page
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean(self):
        data = super().clean()
        for name in ("starts_at", "ends_at"):
            if name in data:
                data[name] = _same_minute(data[name], getattr(self.policy, name))
        return data


class PolicySwitchForm(_FieldNamedInErrors):
    """Switch on or off: `to` is the state asked for, so a page left open while someone
    else switched the policy cannot switch it back by accident."""

    to = forms.ChoiceField(choices=[("on", "on"), ("off", "off")], widget=forms.HiddenInput)
    reason = _reason(_("Reason"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "switch_%s")
        super().__init__(*args, **kwargs)

    @property
    def on(self) -> bool:
        return self.cleaned_data["to"] == "on"
