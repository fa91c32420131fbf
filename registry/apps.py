from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """Registering patients' choices with their effects, and the GPs' pages for it."""

    name = "registry"
    verbose_name = _("Registry: the GPs' registration of choices")
