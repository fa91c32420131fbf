"""Writes and decisions of the portal itself: logging in with a UZI-pas."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.models import Membership
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
