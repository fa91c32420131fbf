from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base.forms import AuthenticateForm

from audit.actors import Actor
from audit.models import Action, EventType, Outcome, Purpose
from audit.services import access_event_record


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keyboard first: the cursor waits in the username field.
        self.fields["login"].widget.attrs["autofocus"] = True


class SecondFactorForm(AuthenticateForm):
    """allauth's second-factor step; a wrong code is a failed login in the ledger."""

    def _emit_authentication_failed(self, authenticator) -> None:
        super()._emit_authentication_failed(authenticator)
        access_event_record(
            event_type=EventType.LOGIN_FAILED,
            action=Action.EXECUTE,
            outcome=Outcome.MINOR_FAILURE,
            actor=Actor.for_user(self.user),
            purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
            detail={"step": "second factor", "authenticator": authenticator.type},
        )
