"""What triage owns: the encounter (the access grant for one patient) and the patient's
answer at the point of care."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consent.models import Answer


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

    encounter = models.OneToOneField(Encounter, on_delete=models.PROTECT, related_name="consent")
    answer = models.CharField(max_length=16, choices=Answer.choices)  # the decision reads it
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
