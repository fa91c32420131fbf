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

    class Status(models.TextChoices):
        """Whether the policy is in force at a moment, and if not, why."""

        IN_FORCE = "in_force", _("In force")
        SWITCHED_OFF = "switched_off", _("Not in force: switched off")
        NOT_STARTED = "not_started", _("Not in force: not started yet")
        ENDED = "ended", _("Not in force: ended")

    def in_force(self, at) -> bool:
        return self.is_on and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def status_at(self, at) -> Policy.Status:
        return Policy.Status.SWITCHED_OFF if not self.is_on else self.period_status_at(at)

    def period_status_at(self, at) -> Policy.Status:
        """As status_at, were the policy switched on: whether `at` is in its period."""
        if at < self.starts_at:
            return Policy.Status.NOT_STARTED
        if self.ends_at is not None and at >= self.ends_at:
            return Policy.Status.ENDED
        return Policy.Status.IN_FORCE


class PolicyChange(models.Model):
    """One change of a policy: what changed, when, by whom and why. Written by the policy
    services in the transaction of the change, with its ledger event; never changed or
    removed (the database refuses it, migration 0010). A policy's history is its rows in
    order, from its creation (policies made before the history existed start later)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        PERIOD_CHANGED = "period_changed", _("Period changed")
        SWITCHED_ON = "switched_on", _("Switched on")
        SWITCHED_OFF = "switched_off", _("Switched off")

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="changes", verbose_name=_("policy")
    )
    kind = models.CharField(_("change"), max_length=16, choices=Kind.choices)
    changed_at = models.DateTimeField(_("changed at"))
    # Who changed it, as in the ledger (the history outlives accounts).
    changed_by_username = models.CharField(_("changed by (username)"), max_length=150)
    changed_by_name = models.CharField(_("changed by (name)"), max_length=200)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    # The fields that changed, as JSON (dates in ISO 8601, UTC): before is {} on creation.
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="policy_change_has_reason"),
            models.CheckConstraint(
                condition=Q(kind__in=["created", "period_changed", "switched_on", "switched_off"]),
                name="policy_change_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.get_kind_display()}"
