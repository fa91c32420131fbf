from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Access ledger")

    def ready(self) -> None:
        from django.db.models import CharField

        from audit.bulk import AnyOf

        CharField.register_lookup(AnyOf)
