"""Oversight's own records: the review of misuse alerts, the organisations' own contact
registrations (reconciliation) and their access reports. The alerts themselves and the
ledger are audit's."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.models import MisuseAlert
from portal.api_keys import TranslatedAPIKey
from portal.models import Organisation


class AlertReview(models.Model):
    """One step of an alert's review by a supervisor of its organisation. Append-only
    (migration 0002): the history of a review is never rewritten. Acknowledging closes the
    alert (MisuseAlert.reviewed); escalating keeps it open for a second look."""

    class Step(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated")

    alert = models.ForeignKey(
        MisuseAlert,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("misuse alert"),
        db_constraint=False,  # neither is ever deleted (audit.models.MisuseAlertEvent)
    )
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    justification = models.TextField(_("justification"))
    reviewed_at = models.DateTimeField(_("reviewed at"))
    reviewer_username = models.CharField(_("reviewer"), max_length=150)
    reviewer_name = models.CharField(_("reviewer's name"), max_length=200)
    organisation_ura = models.CharField(_("organisation URA"), max_length=8)
    # The ledger event that records this step (EventType.ALERT_REVIEWED).
    event_seq = models.BigIntegerField(_("ledger event"))

    class Meta:
        verbose_name = _("alert review")
        verbose_name_plural = _("alert reviews")
        ordering = ["alert", "reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.alert_id}"


class ContactUpload(models.Model):
    """One load of an organisation's own contact registrations (a CSV file from its
    information system, or a call of the API): all its rows or none."""

    class Source(models.TextChoices):
        FILE = "file", _("File")
        API = "api", _("API")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.CharField(_("uploaded by"), max_length=150)
    # The name as the page shows it: the staff member's, or the key's organisation and prefix.
    uploaded_by_name = models.CharField(_("uploaded by (name)"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    added = models.PositiveIntegerField(_("new contacts"))
    period_start = models.DateTimeField(_("first contact"), null=True)
    period_end = models.DateTimeField(_("last contact"), null=True)

    class Meta:
        verbose_name = _("contact upload")
        verbose_name_plural = _("contact uploads")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.uploaded_at:%Y-%m-%d %H:%M}"


class ContactRegistration(models.Model):
    """A contact (a patient seen, phoned or triaged) as the organisation's own system
    registered it. A re-upload of the same contact adds nothing (the unique constraint)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    patient_bsn = models.CharField(_("patient BSN"), max_length=9)
    contact_at = models.DateTimeField(_("time of contact"))
    location = models.CharField(_("location"), max_length=100)
    upload = models.ForeignKey(
        ContactUpload,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("upload"),
    )

    class Meta:
        verbose_name = _("contact registration")
        verbose_name_plural = _("contact registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "patient_bsn", "contact_at", "location"],
                name="contact_once_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_bsn} {self.contact_at:%Y-%m-%d %H:%M}"


class OrganisationAPIKey(TranslatedAPIKey):
    """A key for one HAP's or SEH's information system to send its contact registrations
    (POST /api/v1/contacts, docs/reconciliation.md), issued in the admin.

    What is kept of it, as of a practice's key: portal.api_keys.TranslatedAPIKey."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contact_api_keys",
        verbose_name=_("organisation"),
        # Only the organisations whose staff view summaries have contacts to reconcile.
        limit_choices_to={"kind__in": [Organisation.Kind.HAP, Organisation.Kind.SEH]},
    )

    class Meta(TranslatedAPIKey.Meta):
        verbose_name = _("API key of an organisation (contact registrations)")
        verbose_name_plural = _("API keys of organisations (contact registrations)")


class Report(models.Model):
    """An organisation's access report of a period (oversight.reports): requested on the
    supervisors' page or made monthly by the beat job, built by a worker, which records its
    progress here for the page to show. The PDF is kept: a report is evidence of what the
    ledger said at the time, and its download is logged each time."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        ON_DEMAND = "on_demand", _("On request")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.CharField(_("requested by"), max_length=150)  # "" for the beat job
    requested_by_name = models.CharField(_("requested by (name)"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    steps = models.PositiveSmallIntegerField(_("steps"), default=1)
    finished_at = models.DateTimeField(_("finished at"), null=True)
    events = models.PositiveIntegerField(_("events counted"), null=True)
    pages = models.PositiveIntegerField(_("pages"), null=True)
    pdf = models.BinaryField(_("PDF"), null=True, editable=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("access report")
        verbose_name_plural = _("access reports")
        ordering = ["-requested_at"]
        constraints = [
            # The beat job makes each month's report once, however often it runs.
            models.UniqueConstraint(
                fields=["organisation", "first_day"],
                condition=Q(kind="monthly"),
                name="report_one_monthly_per_month",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="report_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.first_day}–{self.last_day}"

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else int(100 * self.step / max(self.steps, 1))
