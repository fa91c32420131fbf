"""What the registry keeps: the API's practice keys and the batches' idempotency keys
(docs/api.md), and the notifications to GP practices (GpNotification)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.api_keys import TranslatedAPIKey
from summaries.models import GpPractice


class PracticeAPIKey(TranslatedAPIKey):
    """A key for one GP practice's information system, issued in the admin (what is kept of
    it: portal.api_keys.TranslatedAPIKey)."""

    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("GP practice"),
    )

    class Meta(TranslatedAPIKey.Meta):
        verbose_name = _("API key of a GP practice")
        verbose_name_plural = _("API keys of GP practices")


class IdempotencyKey(models.Model):
    """A batch of registrations as first answered, under the key its sender chose: the same
    key with the same body gets this answer again and registers nothing; the same key with
    another body is refused. Written in the batch's transaction, so only a batch that was
    registered has one (a refused batch may be sent again, corrected, with the same key)."""

    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="idempotency_keys",
        verbose_name=_("GP practice"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 of the request body as sent.
    request_sha256 = models.CharField(_("request fingerprint (SHA-256)"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("first received"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["practice", "key"], name="idempotency_key_per_practice")
        ]

    def __str__(self) -> str:
        return self.key


class GpNotification(models.Model):
    """A message to a patient's GP practice: their summary was opened by emergency access
    or under a policy for patients without a registered choice (the patient could not be
    asked, or had no choice registered), so the GP can follow up with the patient. Made by
    the monitoring scan from the ledger (oversight.monitoring), one per ledger event: a scan
    run twice makes none twice (the unique event)."""

    class Reason(models.TextChoices):
        EMERGENCY_ACCESS = "emergency_access", _("Emergency access")
        BLANK_UNDER_POLICY = "blank_under_policy", _("No registered choice, opened under a policy")

    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("GP practice"),
    )
    patient_bsn = models.CharField(_("patient BSN"), max_length=9)
    # The ledger event (audit.AccessEvent.seq) of the view: never deleted, so no constraint.
    event_seq = models.BigIntegerField(_("ledger event"), unique=True)
    occurred_at = models.DateTimeField(_("opened at"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    user_name = models.CharField(_("by"), max_length=200)
    user_role = models.CharField(_("role"), max_length=16, blank=True)
    consent_policy = models.CharField(_("policy"), max_length=100, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.CharField(_("read by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("notification to the GP")
        verbose_name_plural = _("notifications to the GP")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["practice", "occurred_at"], name="gpnotification_practice"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.patient_bsn}"


class ActivationCode(models.Model):
    """A one-time code a GP practice gives one of its patients, printed as a letter, with
    which the patient opens their own account (patients.identity links it to their BSN).
    Only the code's hash is kept: the letter is the one place the code exists. A new code
    for the same patient ends the earlier one."""

    class Ended(models.TextChoices):
        USED = "used", _("Used to open an account")
        SUPERSEDED = "superseded", _("Replaced by a newer code")
        TOO_MANY_ATTEMPTS = "attempts", _("Too many wrong birth dates")

    practice = models.ForeignKey(
        GpPractice, on_delete=models.PROTECT, related_name="+", verbose_name=_("practice")
    )
    patient_bsn = models.CharField(_("patient BSN"), max_length=9)
    birth_date = models.DateField(_("birth date"))
    code_hash = models.CharField(_("hash of the code"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.CharField(_("issued by"), max_length=150)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong birth dates"), default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended = models.CharField(_("ended"), max_length=16, choices=Ended.choices, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["patient_bsn"], name="registry_activation_bsn")]

    def __str__(self) -> str:
        return f"{self.patient_bsn} ({self.issued_at:%Y-%m-%d})"
