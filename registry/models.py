"""What the API for GP information systems keeps: the practices' keys and the batches'
idempotency keys (docs/api.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from summaries.models import GpPractice


class PracticeAPIKey(AbstractAPIKey):
    """A key for one GP practice's information system, issued in the admin.

    djangorestframework-api-key stores only a hash of it (SHA-512: the key is 32 random
    characters, so no slow password hash is needed) and a short prefix to find it by; the
    admin shows the key once, when it is made. Revoking a key cannot be undone."""

    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("GP practice"),
    )
    # The library's fields again, with translatable names (the admin is Dutch).
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    name = models.CharField(
        _("name"),
        max_length=50,
        help_text=_("What the key is for, e.g. the information system's name. Need not be unique."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    revoked = models.BooleanField(
        _("revoked"),
        blank=True,
        default=False,
        help_text=_("A revoked key is refused from then on. This cannot be undone."),
    )
    expiry_date = models.DateTimeField(
        _("expires"),
        blank=True,
        null=True,
        help_text=_("From then on the key is refused."),
    )

    class Meta(AbstractAPIKey.Meta):
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
