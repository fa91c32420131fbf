from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    # The consent registry, the policies and the consent decision service
    # arrive with the triage issue (roadmap 4).
    name = "consent"
    verbose_name = _("Consent")
