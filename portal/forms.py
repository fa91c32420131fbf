from __future__ import annotations

import datetime as dt
import re

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.actors import Actor
from audit.identifiers import validate_bsn


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keyboard first: the cursor waits in the username field.
        self.fields["login"].widget.attrs["autofocus"] = True


class SecondFactorForm(AuthenticateForm):
    """allauth's second-factor step. A wrong code is a failed login: in the ledger, and
    for django-axes, so that wrong codes lock the account (username + address) exactly as
    wrong passwords do; while it is locked no code is even tried."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keyboard first: the cursor waits in the code field.
        self.fields["code"].widget.attrs["autofocus"] = True

    def _credentials(self) -> dict:
        return {"username": self.user.username}

    def clean_code(self) -> str:
        request = context.request
        if AxesProxyHandler.is_locked(request, self._credentials()):
            # AxesMiddleware turns this into the lockout page (429).
            request.axes_locked_out = True
            request.axes_credentials = self._credentials()
            raise ValidationError(_("Too many failed attempts: this account is locked for now."))
        return super().clean_code()

    def _emit_authentication_failed(self, authenticator) -> None:
        super()._emit_authentication_failed(authenticator)
        # What axes counts: the same signal a wrong password sends.
        user_login_failed.send(
            sender=type(self), credentials=self._credentials(), request=context.request
        )
        events.login_failed(
            actor=Actor.for_user(self.user),
            detail={"step": "second factor", "authenticator": authenticator.type},
        )


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


def bsn_cleaned(value: str) -> str:
    """A BSN as people write it, with spaces or dots in groups of three: checked (the
    11-test), as nine digits."""
    bsn = value.replace(" ", "").replace(".", "")
    validate_bsn(bsn)
    return bsn


class PatientSearchForm(forms.Form):
    """One patient: BSN and birth date, both required, exact — never a name, never a
    wildcard. The triage search and the GP's search."""

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
        return bsn_cleaned(self.cleaned_data["bsn"])
