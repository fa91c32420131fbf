"""GP practices, the summaries pulled from them, and what could not be imported."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.identifiers import validate_agb, validate_ura
from summaries.tokens import EncryptedTokenField


class GpPractice(models.Model):
    """A GP practice whose information system serves its patients' summaries over FHIR."""

    agb = models.CharField(_("AGB code"), max_length=8, unique=True, validators=[validate_agb])
    ura = models.CharField(_("URA number"), max_length=8, blank=True, validators=[validate_ura])
    name = models.CharField(_("name"), max_length=200)
    fhir_base_url = models.URLField(_("FHIR base URL"), max_length=500)
    # A bearer token the practice's system issued to us. Encrypted in the database
    # (summaries.tokens); kept out of logs, health pages, the admin and the ledger.
    token = EncryptedTokenField(_("bearer token"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    pull_interval_minutes = models.PositiveIntegerField(_("pull every (minutes)"), default=60)

    # Pull state: what has been fetched, and when to fetch again.
    watermark = models.DateTimeField(
        _("changes fetched up to"),
        null=True,
        blank=True,
        help_text=_("The practice's own clock: the next pull asks for what changed after it."),
    )
    next_pull_at = models.DateTimeField(_("next pull"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    # Health, as the admin sees it.
    last_pull_started_at = models.DateTimeField(_("last pull started"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_counts = models.JSONField(_("last pull counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("GP practice")
        verbose_name_plural = _("GP practices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(agb__regex=r"^[0-9]{8}$"), name="practice_agb_8"),
            models.CheckConstraint(
                condition=Q(ura="") | Q(ura__regex=r"^[0-9]{8}$"), name="practice_ura_8"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_pull_at"], name="practice_due")]

    def __str__(self) -> str:
        return f"{self.name} (AGB {self.agb})"

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


class Enrolment(models.Model):
    """Which GP practice a patient is enrolled with, and since when, as the pulls learned it.

    A GP acts only on their own practice's patients (registry.selectors.own_patient). Kept
    when a refusal purges the summary: the BSN and the practice are all it keeps then.
    """

    bsn = models.CharField(_("BSN"), max_length=9, unique=True)
    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("GP practice"),
    )
    since = models.DateTimeField(_("enrolled since (first seen in a pull)"))
    # Set when a consent or a withdrawal may let a summary be kept again that is not
    # stored now (e.g. after a refusal purged it): the practice's next pull fetches this
    # patient by BSN, changed or not, and clears it (summaries.services.refetch).
    refetch_requested_at = models.DateTimeField(
        _("summary to be fetched again (requested at)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.bsn} at {self.practice_id}"


class Summary(models.Model):
    """The one current professional summary of a patient, as last pulled.

    Keyed by BSN: a patient has one GP, so one current summary; a newer pull
    (from this practice or a new one) replaces it.
    """

    bsn = models.CharField(_("BSN"), max_length=9, unique=True)
    birth_date = models.DateField(_("birth date"))
    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="summaries",
        verbose_name=_("GP practice"),
    )
    # SHA-256 over what the GP sent: equal content, equal version.
    source_version = models.CharField(_("source version"), max_length=64)
    source_updated_at = models.DateTimeField(_("changed at the practice"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"))
    fhir_version = models.CharField(_("FHIR version"), max_length=8, default="R4")
    sections = models.JSONField(_("sections"))
    source = models.JSONField(_("source resources"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("summary")
        verbose_name_plural = _("summaries")
        indexes = [
            # Triage finds a patient by BSN and birth date, exactly.
            models.Index(fields=["bsn", "birth_date"], name="summary_lookup"),
            models.Index(fields=["practice", "fetched_at"], name="summary_practice_fetched"),
        ]

    def __str__(self) -> str:
        return _("summary %(id)s (practice %(practice)s)") % {
            "id": self.pk,
            "practice": self.practice_id,
        }


class QuarantinedItem(models.Model):
    """Input that could not be imported: kept with its reason, never dropped."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved by reprocessing")
        DISMISSED = "dismissed", _("Dismissed")

    practice = models.ForeignKey(
        GpPractice,
        on_delete=models.PROTECT,
        related_name="quarantine",
        verbose_name=_("GP practice"),
    )
    created_at = models.DateTimeField(_("quarantined at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    resource_type = models.CharField(_("resource type"), max_length=64, blank=True)
    resource_id = models.CharField(_("resource id"), max_length=64, blank=True)
    patient_bsn = models.CharField(_("patient BSN"), max_length=9, blank=True)
    # "page": the whole answer could not be read; "resources": one patient's
    # (or one stray) resources as JSON, re-processable on their own.
    kind = models.CharField(_("kind"), max_length=16, default="resources")
    payload = models.BinaryField(_("payload"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    attempts = models.PositiveIntegerField(_("reprocessing attempts"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # What the input is: SHA-256 of kind, resource type and id, and the reason it was first
    # quarantined for (a page's reason starts with its URL). A pull that meets the same bad
    # input again finds its open item by this key instead of adding another
    # (summaries.services.quarantine.source_key); reprocessing changes the reason, not the key.
    source_key = models.CharField(_("source key"), max_length=64, editable=False)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    times_seen = models.PositiveIntegerField(_("times seen"), default=1)

    class Meta:
        verbose_name = _("quarantined item")
        verbose_name_plural = _("quarantined items")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["practice", "status"], name="quarantine_practice_status")]
        constraints = [
            # One open item per practice and source input: re-pulling unchanged bad data
            # must not pile up rows (issue 14, item 5). Resolved and dismissed items are
            # history and may repeat.
            models.UniqueConstraint(
                fields=["practice", "source_key"],
                condition=Q(status="open"),
                name="quarantine_one_open_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id}: {self.reason[:60]}"
