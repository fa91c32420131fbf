"""The supervisors' forms: the alert list's filters, and a review step with its
justification. Each error names its field (read out on its own, and listed in the error
summary)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import MisuseAlert
from oversight.models import AlertReview
from oversight.review.selectors import AlertState
from oversight.review.services import JUSTIFICATION_MAX, JUSTIFICATION_MIN
from portal.widgets import PlainSelect

SELECT = PlainSelect(attrs={"class": "utrecht-select utrecht-select--html-select"})


class AlertFilterForm(forms.Form):
    """What the list shows. A value that is no choice is left out, not an error page:
    the filters come from the URL. Their names are Dutch, as the URLs are (and the ledger
    search's: oversight.ledger.forms)."""

    status = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All, open first")), *AlertState.choices],
        required=False,
        widget=SELECT,
    )
    soort = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *MisuseAlert.Kind.choices],
        required=False,
        widget=SELECT,
    )
    # The template lists the organisation's users with alerts; any text is only a filter.
    gebruiker = forms.CharField(label=_("User"), max_length=150, required=False)
    pagina = forms.IntegerField(min_value=1, required=False)

    def filters(self) -> dict:
        """The valid filters; what is not valid counts as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "state": data.get("status") or "",
            "kind": data.get("soort") or "",
            "username": data.get("gebruiker") or "",
            "page": data.get("pagina") or 1,
        }


class AlertReviewForm(forms.Form):
    """One review step: which (the button pressed) and why."""

    # No `required` attribute: the design system rings an empty required field red before
    # anything was typed.
    use_required_attribute = False

    justification = forms.CharField(
        label=_("Justification"),
        min_length=JUSTIFICATION_MIN,
        max_length=JUSTIFICATION_MAX,
        widget=forms.Textarea(
            attrs={"class": "utrecht-textarea utrecht-textarea--html-textarea", "rows": 4}
        ),
    )
    step = forms.ChoiceField(choices=AlertReview.Step.choices, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = {"field": self.fields["justification"].label}
        self.fields["justification"].error_messages.update(
            required=gettext("Fill in “%(field)s”: say what you checked and what you found.")
            % label,
            min_length=gettext("“%(field)s” needs at least %(min)s characters.")
            % {**label, "min": JUSTIFICATION_MIN},
            max_length=gettext("“%(field)s” may hold at most %(max)s characters.")
            % {**label, "max": JUSTIFICATION_MAX},
        )
        self.fields["step"].error_messages.update(
            required=gettext("Choose “Acknowledge” or “Escalate”."),
            invalid_choice=gettext("Choose “Acknowledge” or “Escalate”."),
        )

    def full_clean(self):
        super().full_clean()
        if "justification" in self.errors:  # the text_field component writes this id
            self.fields["justification"].widget.attrs["aria-describedby"] = (
                f"{self['justification'].auto_id}-error"
            )

    def focus(self) -> AlertReviewForm:
        """Keyboard first: the cursor waits in the justification."""
        self.fields["justification"].widget.attrs["autofocus"] = True
        return self

    @property
    def chosen_step(self) -> AlertReview.Step:
        return AlertReview.Step(self.cleaned_data["step"])
