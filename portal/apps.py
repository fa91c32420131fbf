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

        _name_third_party_models_in_dutch()

        from allauth.mfa.signals import authenticator_removed

        authenticator_removed.connect(_forget_second_factor, dispatch_uid="forget_second_factor")


def _name_third_party_models_in_dutch() -> None:
    """Names that django-axes and allauth leave untranslatable, set once here.

    Their other labels are msgids in their own source, translated by our catalogue
    (portal.third_party_labels). These are not: axes' app has no verbose_name and
    allauth's Authenticator none of its own. Only _meta is set, not the model's Meta:
    the migration state (Meta as written) stays as it is.
    """
    from allauth.mfa.models import Authenticator
    from django.apps import apps

    apps.get_app_config("axes").verbose_name = _("Login attempts")
    Authenticator._meta.verbose_name = _("second factor")
    Authenticator._meta.verbose_name_plural = _("second factors")


def _forget_second_factor(sender, request=None, **kwargs) -> None:
    """The session checks again whether a second factor is left."""
    from portal.middleware import SECOND_FACTOR_SEEN

    if request is not None:
        request.session.pop(SECOND_FACTOR_SEEN, None)
