from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal: organisations and staff")

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS, so every admin module
        # is loaded by now.
        from django.contrib import admin

        from portal.admin_ledger import ledger_every_model_admin

        ledger_every_model_admin(admin.site)

        from allauth.mfa.signals import authenticator_removed

        authenticator_removed.connect(_forget_second_factor, dispatch_uid="forget_second_factor")


def _forget_second_factor(sender, request=None, **kwargs) -> None:
    """The session checks again whether a second factor is left."""
    from portal.middleware import SECOND_FACTOR_SEEN

    if request is not None:
        request.session.pop(SECOND_FACTOR_SEEN, None)
