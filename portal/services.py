"""Writes and decisions of the portal itself: roles, and logging in with a UZI-pas."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import MisuseAlert
from portal.models import CLINICAL_ROLES, Membership
from portal.uzi import UziCard, UziCardRefused


def uzi_card_membership(*, card: UziCard) -> Membership:
    """The membership a UZI-pas logs into, or UziCardRefused saying why not.

    The card names the person (UZI number) and the organisation (subscriber =
    the organisation's URA); the role on the card must be the role registered
    for that membership, so a card cannot be used for more than it allows.
    """
    if card.card_type == "S":
        raise UziCardRefused("server_card", _("A server card cannot log a person in."))
    if card.card_type == "M":
        raise UziCardRefused(
            "unnamed_card", _("An unnamed employee card (M) does not say who is logging in.")
        )
    membership = (
        Membership.objects.filter(
            user__uzi_number=card.uzi_number,
            user__is_active=True,
            organisation__ura=card.subscriber,
            is_active=True,
        )
        .select_related("user", "organisation")
        .first()
    )
    if membership is None:
        raise UziCardRefused(
            "unknown",
            _("UZI number %(uzi)s has no account at the organisation with URA %(ura)s.")
            % {"uzi": card.uzi_number, "ura": card.subscriber},
        )
    if membership.uzi_role_code != card.role:
        raise UziCardRefused(
            "role_mismatch",
            _("The card's role (%(card)s) is not the role registered for you (%(registered)s).")
            % {"card": card.role, "registered": membership.uzi_role_code},
        )
    return membership


@transaction.atomic
def membership_save(*, membership: Membership, actor: Actor) -> Membership:
    """Save a membership (validated: Membership.clean). Granting a clinical role — a new
    one, a change to one, or switching one back on — is a ROLE_GRANTED event and an alert
    for the supervisor of the organisation the role is at: a role that reads patient data
    should never appear without someone there seeing it."""
    membership.full_clean()
    before = (
        Membership.objects.filter(pk=membership.pk).values_list("role", "is_active").first()
        if membership.pk
        else None
    )
    membership.save()
    granted = (
        membership.is_active
        and membership.role in CLINICAL_ROLES
        and (before is None or before[0] != membership.role or not before[1])
    )
    if granted:
        organisation = membership.organisation
        detail = {
            "membership": membership.pk,
            "username": membership.user.username,
            "role": membership.role,
            "uzi_role_code": membership.uzi_role_code,
            "organisation_ura": organisation.ura,
            "organisation_agb": organisation.agb,
            "organisation_name": organisation.name,
        }
        events.role_granted(actor=actor, created=before is None, membership=detail)
        # The alert belongs to the organisation where the role now reads patient data.
        misuse_alert_raise(
            kind=MisuseAlert.Kind.ROLE_GRANTED,
            actor=Actor(
                username=actor.username,
                name=actor.name,
                organisation_ura=organisation.ura,
                organisation_name=organisation.name,
            ),
            detail=detail,
            now=timezone.now(),
        )
    return membership
