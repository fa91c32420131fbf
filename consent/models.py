"""The consent registry and the policies that the consent decision reads.

Registrations are never changed or removed (the database refuses it, migration
0002): a new registration succeeds the previous one for the same patient and
scope. `previous` is one-to-one, and only one registration per patient and
scope may have none, so each patient's history per scope is a single line and
exactly one registration — the last — is current.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    HAP = "hap", _("GP out-of-hours posts (HAP)")
    SEH = "seh", _("Emergency departments (SEH)")
    BOTH = "both", _("HAP and SEH")


class Decision(models.TextChoices):
    CONSENT = "consent", _("Consent")
    REFUSAL = "refusal", _("Refusal")
    BLANK = "blank", _("No choice (withdrawn)")


class Answer(models.TextChoices):
    """What the patient answered when asked at the point of care: triage records it once
    per encounter, the consent decision reads it. Not asked (yet) is no answer: None."""

    AGREES = "agrees", _("The patient agrees")  # themselves or through a representative
    REFUSES = "refuses", _("The patient refuses")
    CANNOT_CONSENT = "cannot_consent", _("The patient cannot consent (emergency access)")


class Source(models.TextChoices):
    GP_PRACTICE = "gp_practice", _("Registered by the GP practice")
    ON_THE_SPOT = "on_the_spot", _("Registered at the point of care")
    PATIENT = "patient", _("Registered by the patient")


class ConsentRegistration(models.Model):
    patient_bsn = models.CharField(_("patient BSN"), max_length=9)
    # Known when the registration is made (the point of care found the patient by BSN and
    # birth date; a GP knows their patient): the search says "refused" only to someone who
    # gave both, also after the refusal purged the summary. Empty on rows from before.
    patient_birth_date = models.DateField(_("patient birth date"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
        verbose_name=_("previous registration"),
    )
    registered_at = models.DateTimeField(_("registered at"))
    # Who registered it, as in the ledger (the registry outlives accounts).
    registered_by_username = models.CharField(_("registered by (username)"), max_length=150)
    registered_by_name = models.CharField(_("registered by (name)"), max_length=200)
    registered_by_uzi = models.CharField(_("registered by (UZI number)"), max_length=9, blank=True)
    organisation_ura = models.CharField(_("organisation URA"), max_length=8, blank=True)
    organisation_agb = models.CharField(_("organisation AGB"), max_length=8, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    # The patient chose through a representative (e.g. a parent or legal guardian).
    by_representative = models.BooleanField(_("through a representative"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("consent registration")
        verbose_name_plural = _("consent registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["patient_bsn", "scope"],
                condition=Q(previous__isnull=True),
                name="consent_one_first_registration_per_patient_scope",
            ),
            models.CheckConstraint(
                condition=Q(patient_bsn__regex=r"^[0-9]{9}$"), name="consent_bsn_9_digits"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["hap", "seh", "both"]), name="consent_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["consent", "refusal", "blank"]),
                name="consent_decision_valid",
            ),
        ]
        indexes = [models.Index(fields=["patient_bsn", "scope"], name="consent_patient_scope")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.get_scope_display()})"


class Policy(models.Model):
    """A dated, switchable rule that makes blank patients' summaries available,
    such as the Corona Opt-in (on 2020–2023; switched off with its "stop button")."""

    class Condition(models.TextChoices):
        NONE = "", _("No condition")
        SUSPECTED_COVID = "suspected_covid", _("(Suspected) COVID-19 recorded at the point of care")

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_on = models.BooleanField(_("switched on"), default=False)
    starts_at = models.DateTimeField(_("in force from"))
    ends_at = models.DateTimeField(_("in force until"), null=True, blank=True)
    condition = models.CharField(
        _("condition"), max_length=32, choices=Condition.choices, blank=True
    )
    reason = models.TextField(_("reason / legal basis"), blank=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="policy_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_force(self, at) -> bool:
        return self.is_on and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)
