from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keyboard first: the cursor waits in the username field.
        self.fields["login"].widget.attrs["autofocus"] = True
