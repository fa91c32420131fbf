from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """The supervisors' work: the monitoring rules, the review of alerts, reconciliation
    with the organisation's own registrations, the ledger search and its charts."""

    name = "oversight"
    verbose_name = _("Oversight")
