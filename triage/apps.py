from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Triage: encounters and consent at the point of care")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        # The access grant for a patient ends with the session. A signal, not a call from
        # portal.adapters: portal is below triage and does not import it
        # (docs/architecture.md). Sent by Django's logout inside the adapter's transaction.
        user_logged_out.connect(_end_encounters, dispatch_uid="triage_end_encounters")


def _end_encounters(sender, request, user, **kwargs) -> None:
    from django.utils import timezone

    from triage.models import Encounter
    from triage.search import encounters_end

    if user is not None:
        encounters_end(user=user, reason=Encounter.Ended.LOGOUT, now=timezone.now())
