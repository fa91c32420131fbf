"""Who calls the API: a GP practice's information system, by its API key or by the practice's
UZI server certificate through the TLS proxy; how often it may; and the ledger event for a
call without valid credentials (docs/api.md, docs/identity.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from audit import events
from audit.actors import Actor
from portal.middleware import client_address, via_trusted_proxy
from portal.uzi import UziCard, UziCardRefused, certificate_from_header, read_card, trusted_cas
from registry.models import PracticeAPIKey
from summaries.models import GpPractice

API_KEY_KEYWORD = "Api-Key"
# What djangorestframework-api-key issues: an 8-character prefix, a dot, 32 characters (both
# letters and digits). Anything else is refused before the database is asked.
API_KEY_FORMAT = re.compile(r"(?P<prefix>[A-Za-z0-9]{8})\.[A-Za-z0-9]{32}")
NO_AGB = "00000000"  # what a UZI string holds where the subscriber has no AGB code


@dataclass(frozen=True)
class PracticeSystem:
    """The caller: one GP practice's information system (DRF's request.user)."""

    practice: GpPractice
    method: str  # "api_key" or "uzi_server_certificate"
    credential: str  # the key's prefix, or the certificate's UZI number

    is_authenticated = True  # what DRF and Django ask of a user
    is_anonymous = False

    @property
    def pk(self) -> int:
        return self.practice.pk

    def actor(self) -> Actor:
        """For the ledger and the registrations: the practice's system, named by its AGB
        code, and which credential it used."""
        practice = self.practice
        if self.method == "api_key":
            how = f"API key {self.credential}"
        else:
            how = f"UZI server certificate {self.credential}"
        return Actor(
            username=f"api:{practice.agb}",
            name=f"{practice.name[:150]} ({how})",
            uzi_number=self.credential if self.method == "uzi_server_certificate" else "",
            organisation_ura=practice.ura,
            organisation_agb=practice.agb,
            organisation_name=practice.name,
        )


class Refused(exceptions.AuthenticationFailed):
    """Credentials were offered and are not accepted; `actor` and `reason` for the ledger."""

    def __init__(self, detail, *, reason: str, actor: Actor | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.actor = actor


class PracticeKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: a key issued to a practice in the admin
    (registry.models.PracticeAPIKey), not revoked, not expired."""

    def authenticate(self, request):
        keyword, _space, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if keyword.lower() != API_KEY_KEYWORD.lower():
            return None
        match = API_KEY_FORMAT.fullmatch(key.strip())
        if match is None:
            raise Refused(_("The API key is not valid."), reason="malformed API key")
        prefix = match["prefix"]
        api_key = (
            PracticeAPIKey.objects.select_related("practice")
            .filter(prefix=prefix, revoked=False)
            .first()
        )
        if api_key is None or api_key.has_expired or not api_key.is_valid(key.strip()):
            # The prefix is not secret (the admin lists it); it says which key was tried.
            raise Refused(
                _("The API key is not valid."),
                reason=f"unknown, revoked or expired API key {prefix}",
            )
        return PracticeSystem(practice=api_key.practice, method="api_key", credential=prefix), key

    def authenticate_header(self, request) -> str:
        # A 401 with WWW-Authenticate, not a 403: the caller can do something about it.
        return f'{API_KEY_KEYWORD} realm="api"'


class PracticeCertificateAuthentication(BaseAuthentication):
    """The practice's UZI server certificate (card type S), verified by the TLS proxy and
    forwarded as for the UZI-pas login (portal/uzi.py), believed only from a trusted proxy
    with its secret. The certificate names the practice by its subscriber number, the URA
    (and by the AGB code in its UZI string, where that is not 00000000): exactly one
    practice must have that URA (and AGB), else the certificate is refused.

    A person's card (Z, N, M) is not a system's: it is passed over, so that a signed-in
    person may still read the API's documentation with their session."""

    def authenticate(self, request):
        meta = request.META
        presented = meta.get(settings.UZI_CERT_HEADER, "") or meta.get(
            settings.UZI_VERIFY_HEADER, "NONE"
        ) not in ("", "NONE")
        if not presented:
            return None
        if not settings.PROXY_SECRET or not via_trusted_proxy(request._request):
            # The middleware removed the headers of anyone else already; this is the
            # configuration without a secret.
            raise Refused(
                _("The certificate did not come through the portal's TLS proxy."),
                reason="certificate not via the trusted proxy",
            )
        if meta.get(settings.UZI_VERIFY_HEADER) != "SUCCESS":
            raise Refused(_("The certificate was not verified."), reason="not verified")
        try:
            card = read_card(
                certificate_from_header(meta.get(settings.UZI_CERT_HEADER, "")),
                now=timezone.now(),
                cas=trusted_cas(),
            )
        except UziCardRefused as refusal:
            raise Refused(refusal.reason, reason=f"certificate refused: {refusal.code}") from None
        if card.card_type != "S":
            return None
        practice = practice_for_certificate(card)
        if practice is None:
            raise Refused(
                _("No GP practice is registered for this server certificate."),
                reason="no practice for the certificate",
                actor=Actor(
                    username="",
                    name="",
                    uzi_number=card.uzi_number,
                    organisation_ura=card.subscriber,
                    organisation_agb="" if card.agb == NO_AGB else card.agb,
                ),
            )
        system = PracticeSystem(
            practice=practice, method="uzi_server_certificate", credential=card.uzi_number
        )
        return system, card

    def authenticate_header(self, request) -> str:
        return f'{API_KEY_KEYWORD} realm="api"'


def practice_for_certificate(card: UziCard) -> GpPractice | None:
    """The one practice with the certificate's URA (subscriber number), and its AGB code
    when the certificate carries one."""
    practices = GpPractice.objects.filter(ura=card.subscriber)
    if card.agb != NO_AGB:
        practices = practices.filter(agb=card.agb)
    found = list(practices[:2])
    return found[0] if len(found) == 1 else None


class IsPracticeSystem(BasePermission):
    """Only a GP practice's system: no person, not even a signed-in one."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, PracticeSystem)


class IsPracticeSystemOrStaff(BasePermission):
    """The schema and its documentation: a practice's system or a signed-in staff member
    (through the portal's own login, with its second factor)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, PracticeSystem) or bool(user and user.is_authenticated)


class _SettingsRateThrottle(SimpleRateThrottle):
    """Rates read from settings.API_THROTTLE_RATES at each request (DRF reads its own
    once, at import), so a deployment and a test can change them."""

    def __init__(self) -> None:  # the rate depends on the view: see allow_request
        pass

    def allow_request(self, request, view) -> bool:
        self.scope = self.scope_for(view)
        self.rate = settings.API_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def scope_for(self, view) -> str:
        return view.throttle_scope


class PracticeRateThrottle(_SettingsRateThrottle):
    """Per GP practice (all its keys and certificates together) and kind of call."""

    def get_cache_key(self, request, view) -> str:
        user = request.user
        who = f"practice:{user.practice.pk}" if isinstance(user, PracticeSystem) else user.pk
        return f"api:throttle:{self.scope}:{who}"


class AnonymousRateThrottle(_SettingsRateThrottle):
    """Calls without valid credentials, per client address: each is a ledger event, and the
    ledger is written one event at a time, so a flood of them is cut off here."""

    def scope_for(self, view) -> str:
        return "anonymous"

    def get_cache_key(self, request, view) -> str:
        return f"api:throttle:anonymous:{client_address(request._request)}"


def credentials_refused(request, exc: exceptions.APIException) -> None:
    """The ledger event for a call without valid credentials (ACCESS_DENIED), written at
    once (outside any transaction)."""
    reason = getattr(exc, "reason", None) or "no credentials"
    actor = getattr(exc, "actor", None) or Actor(username="", name="")
    events.access_denied(actor=actor, reason=f"API: {reason}", path=request.path)
