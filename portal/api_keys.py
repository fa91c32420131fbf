"""The API keys of the systems that call the portal (a GP practice's, registry.PracticeAPIKey;
a HAP's or SEH's, oversight.OrganisationAPIKey): djangorestframework-api-key's model with
its fields named in the admin's language. Each concrete key adds whose it is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class TranslatedAPIKey(AbstractAPIKey):
    """Only a hash of the key (SHA-512: the key is 32 random characters, so no slow password
    hash is needed) and a short prefix to find it by are kept; the admin shows the key once,
    when it is made. Revoking a key cannot be undone."""

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
        abstract = True
