"""Organisations, staff accounts and the memberships that tie them together."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.identifiers import (
    validate_agb,
    validate_ura,
    validate_uzi_number,
    validate_uzi_role_code,
)


class User(AbstractUser):
    """An account: a staff member's, or a patient's own (`is_patient`). The two never
    meet: a patient's account reaches only the patients' pages, a staff account never
    (portal.access: `patient` against `authenticated` and `requires`)."""

    # Set once, when a patient's account is opened (patients.services); never by the admin.
    is_patient = models.BooleanField(_("patient's account"), default=False, editable=False)

    # The UZI number of the person's UZI-pas, where they have one; it is the
    # identity NEN 7513 wants in the access ledger.
    uzi_number = models.CharField(
        _("UZI number"),
        max_length=9,
        blank=True,
        validators=[validate_uzi_number],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["uzi_number"],
                condition=~Q(uzi_number=""),
                name="portal_user_uzi_number_unique",
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    class Kind(models.TextChoices):
        HAP = "hap", _("GP out-of-hours post (HAP)")
        SEH = "seh", _("Emergency department (SEH)")
        GP_PRACTICE = "gp_practice", _("GP practice")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    ura = models.CharField(_("URA number"), max_length=8, blank=True, validators=[validate_ura])
    agb = models.CharField(_("AGB code"), max_length=8, blank=True, validators=[validate_agb])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ura"], condition=~Q(ura=""), name="org_ura_unique"),
            models.UniqueConstraint(fields=["agb"], condition=~Q(agb=""), name="org_agb_unique"),
            # The ledger must be able to name the organisation by URA or AGB.
            models.CheckConstraint(condition=~Q(ura="") | ~Q(agb=""), name="org_has_ura_or_agb"),
            models.CheckConstraint(
                condition=Q(ura="") | Q(ura__regex=r"^[0-9]{8}$"), name="org_ura_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(agb="") | Q(agb__regex=r"^[0-9]{8}$"), name="org_agb_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["hap", "seh", "gp_practice"]), name="org_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Role(models.TextChoices):
    """What a member may do in the portal. The UZI role code says what they are."""

    TRIAGE = "triage", _("Triage")
    DOCTOR = "doctor", _("Doctor")
    GP = "gp", _("General practitioner")
    SUPERVISOR = "supervisor", _("Supervisor / privacy officer")
    ADMIN = "admin", _("Administrator")


# Roles that reach patient data. An administrator's account (is_staff) never holds one:
# whoever manages the accounts must not be able to make themselves a reader of summaries.
CLINICAL_ROLES: frozenset[str] = frozenset({Role.TRIAGE, Role.DOCTOR, Role.GP})


def holds_admin_rights(user: User) -> bool:
    return user.is_staff or user.is_superuser


# Which portal roles make sense at which kind of organisation.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    Organisation.Kind.HAP: frozenset({Role.TRIAGE, Role.DOCTOR, Role.SUPERVISOR, Role.ADMIN}),
    Organisation.Kind.SEH: frozenset({Role.TRIAGE, Role.DOCTOR, Role.SUPERVISOR, Role.ADMIN}),
    Organisation.Kind.GP_PRACTICE: frozenset({Role.GP, Role.ADMIN}),
}


class Membership(models.Model):
    """A staff member's role at one organisation; a user may have several."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("portal role"), max_length=16, choices=Role.choices)
    uzi_role_code = models.CharField(
        _("UZI role code"),
        max_length=6,
        validators=[validate_uzi_role_code],
        help_text=_("profession.specialism, e.g. 30.000 nurse, 01.015 GP, 00.000 none"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The staff member's home postal code as the organisation registered it: the
    # monitoring rule on relatives and neighbours compares it with the patients' addresses
    # (docs/monitoring.md). Written as the post office writes it, without the space.
    postal_code = models.CharField(
        _("home postal code"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[1-9][0-9]{3}[A-Z]{2}$", _("A postal code such as 1234AB."))],
        help_text=_("As registered by the organisation, e.g. 1234AB; used to monitor access."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_user_and_org"
            ),
            models.CheckConstraint(
                condition=Q(uzi_role_code__regex=r"^[0-9]{2}\.[0-9]{3}$"),
                name="membership_uzi_role_code_format",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(postal_code="") | Q(postal_code__regex=r"^[1-9][0-9]{3}[A-Z]{2}$"),
                name="membership_postal_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} @ {self.organisation.name}"

    def clean(self) -> None:
        if self.user_id and self.role in CLINICAL_ROLES and holds_admin_rights(self.user):
            raise ValidationError(
                {
                    "role": _(
                        "An administrator's account cannot hold a clinical role: "
                        "give the person a separate account without admin rights."
                    )
                }
            )
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError(
                {
                    "role": _("The role %(role)s does not exist at a %(kind)s.")
                    % {
                        "role": self.get_role_display(),
                        "kind": self.organisation.get_kind_display(),
                    }
                }
            )
