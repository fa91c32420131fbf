"""A patient's own account, linked to their BSN (patients.identity says by what proof)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.identifiers import validate_bsn


class PatientAccount(models.Model):
    """Which patient an account belongs to. A patient has one open account at a time: a
    new one (a new activation code, e.g. after losing their phone) closes the earlier."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patient_account",
        verbose_name=_("account"),
    )
    bsn = models.CharField(_("BSN"), max_length=9, validators=[validate_bsn])
    birth_date = models.DateField(_("birth date"))
    opened_at = models.DateTimeField(_("opened at"))
    # "activation_code" today; "digid" once a DigiD connection establishes the BSN.
    established_by = models.CharField(_("identity established by"), max_length=32)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("patient's account")
        verbose_name_plural = _("patients' accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["bsn"], condition=Q(closed_at__isnull=True), name="patient_one_open_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.bsn})"
