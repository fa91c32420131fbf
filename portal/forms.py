from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.actors import Actor


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
