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
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    registered_at = models.DateTimeField(_("registered at"))
    # Who registered it, as in the ledger (the registry outlives accounts).
    registered_by_username = models.CharField(max_length=150)
    registered_by_name = models.CharField(max_length=200)
    registered_by_uzi = models.CharField(max_length=9, blank=True)
    organisation_ura = models.CharField(max_length=8, blank=True)
    organisation_agb = models.CharField(max_length=8, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    # The patient chose through a representative (e.g. a parent or legal guardian).
    by_representative = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)

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


class Encounter(models.Model):
    """One patient opened by one staff member: the access grant for that patient.

    It ends when the user opens another patient, logs out, or its time is up; a
    user has at most one open encounter (the database holds that rule).
    """

    class Ended(models.TextChoices):
        NEXT_PATIENT = "next_patient", _("Another patient was opened")
        LOGOUT = "logout", _("Logged out")
        EXPIRED = "expired", _("Time limit reached")

    public_id = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="encounters")
    membership = models.ForeignKey("portal.Membership", on_delete=models.PROTECT)
    patient_bsn = models.CharField(max_length=9)
    # As the search matched it: a lasting choice made at the point of care is registered
    # with it (ConsentRegistration.patient_birth_date). Empty on encounters from before.
    patient_birth_date = models.DateField(null=True, blank=True)
    summary = models.ForeignKey(
        "summaries.Summary", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=16, choices=Ended.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_at__isnull=True),
                name="encounter_one_open_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "started_at"], name="encounter_user_time")]

    def __str__(self) -> str:
        return f"encounter {self.public_id}"


class EmergencyReason(models.TextChoices):
    UNCONSCIOUS = "unconscious", _("Unconscious or not responsive")
    CONFUSED = "confused", _("Confused, not able to decide")
    LIFE_THREATENING = "life_threatening", _("Life-threatening situation, no time to ask")
    OTHER = "other", _("Other (explain)")


class PointOfCareConsent(models.Model):
    """What the patient answered at the point of care, once per encounter."""

    class Answer(models.TextChoices):
        AGREES = "agrees", _("The patient agrees")
        REFUSES = "refuses", _("The patient refuses")
        CANNOT_CONSENT = "cannot_consent", _("The patient cannot consent (emergency access)")

    encounter = models.OneToOneField(Encounter, on_delete=models.PROTECT, related_name="consent")
    answer = models.CharField(max_length=16, choices=Answer.choices)
    by_representative = models.BooleanField(default=False)
    # Who answered for the patient: e.g. "moeder", "curator", "wettelijk vertegenwoordiger".
    representative = models.CharField(max_length=200, blank=True)
    indications = models.JSONField(default=list, blank=True)
    emergency_reason = models.CharField(max_length=20, choices=EmergencyReason.choices, blank=True)
    emergency_text = models.CharField(max_length=500, blank=True)
    register_lasting = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(answer="cannot_consent") | ~Q(emergency_reason=""),
                name="emergency_access_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} ({self.encounter_id})"


class MisuseAlert(models.Model):
    """A signal for the supervisor of one organisation: e.g. many patients searched in a
    short time. One open (unreviewed) alert per user, organisation and rule; later hits
    update it (consent.alerts.misuse_alert_raise, the one writer). Never deleted: the
    database refuses it (migration 0006); a reviewed alert stays, and a new hit after the
    review opens a new one."""

    class Kind(models.TextChoices):
        SEARCH_VOLUME = "search_volume", _("Many patients searched in an hour")
        FAILED_SEARCHES = "failed_searches", _("Many searches that found nobody")
        ROLE_GRANTED = "role_granted", _("A clinical role was granted")

    kind = models.CharField(_("rule"), max_length=32, choices=Kind.choices)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    hits = models.PositiveIntegerField(_("hits"), default=1)
    username = models.CharField(_("username"), max_length=150)
    user_name = models.CharField(_("name"), max_length=200)
    organisation_ura = models.CharField(_("organisation URA"), max_length=8, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    detail = models.JSONField(_("latest detail"), default=dict)
    reviewed = models.BooleanField(_("reviewed"), default=False)

    class Meta:
        verbose_name = _("misuse alert")
        verbose_name_plural = _("misuse alerts")
        ordering = ["-last_seen_at"]
        constraints = [
            # The organisation is part of the key: an alert is read by that organisation's
            # supervisor, and one user may act for two organisations.
            models.UniqueConstraint(
                fields=["username", "organisation_ura", "kind"],
                condition=Q(reviewed=False),
                name="misusealert_one_open_per_user_rule",
            ),
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=models.F("first_seen_at")),
                name="misusealert_last_seen_after_first",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation_ura", "last_seen_at"], name="misusealert_org_time")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"
