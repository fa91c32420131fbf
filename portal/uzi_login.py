"""The request side of a UZI-pas login: the proxy's headers in, a logged-in session out."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events
from audit.actors import Actor
from portal.access import SESSION_MEMBERSHIP
from portal.middleware import via_trusted_proxy
from portal.models import Membership
from portal.services import uzi_card_membership
from portal.uzi import UziCard, UziCardRefused, certificate_from_header, read_card, trusted_cas


def uzi_card_for_request(request) -> tuple[UziCard, Membership]:
    if not settings.PROXY_SECRET or not via_trusted_proxy(request):
        raise UziCardRefused(
            "no_proxy",
            _(
                "UZI-pas login goes through the portal's card reader "
                "proxy, which this request did not."
            ),
        )
    if request.META.get(settings.UZI_VERIFY_HEADER) != "SUCCESS":
        raise UziCardRefused("not_verified", _("No verified UZI-pas was presented."))
    certificate = certificate_from_header(request.META.get(settings.UZI_CERT_HEADER, ""))
    card = read_card(certificate, now=timezone.now(), cas=trusted_cas())
    try:
        return card, uzi_card_membership(card=card)
    except UziCardRefused as refusal:
        refusal.card = card  # who tried, for the ledger
        raise


def _card_detail(card: UziCard | None, refusal: UziCardRefused | None = None) -> dict:
    detail = {"method": "uzi"}
    if card:
        detail.update(
            card_type=card.card_type,
            card_serial=card.serial,
            subscriber=card.subscriber,
            card_role=card.role,
        )
    if refusal:
        detail.update(refused=refusal.code, reason=refusal.reason)
    return detail


@transaction.atomic
def uzi_login_accepted(request, *, card: UziCard, membership: Membership) -> None:
    # Kept across the rotation of the session key at login.
    request.session["auth_method"] = "uzi"
    request.session["uzi_card"] = _card_detail(card)
    request.session[SESSION_MEMBERSHIP] = membership.pk  # the card names the organisation
    get_adapter(request).login(request, membership.user)


def uzi_login_refused(request, refusal: UziCardRefused) -> None:
    card = getattr(refusal, "card", None)
    events.login_failed(
        actor=Actor(
            username="",
            name="",
            uzi_number=card.uzi_number if card else "",
            role_code=card.role if card else "",
            organisation_ura=card.subscriber if card else "",
        ),
        detail=_card_detail(card, refusal),
    )
