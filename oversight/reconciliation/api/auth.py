"""Who sends contact registrations: a HAP's or SEH's information system, by an API key issued
to the organisation (oversight.models.OrganisationAPIKey); and how often it may. The
refusals are logged as the registry API's are (registry.api.views.RefusalsLogged)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from audit.actors import Actor
from oversight.models import OrganisationAPIKey
from oversight.reconciliation.services import UPLOADING_KINDS
from portal.models import Organisation
from registry.api.auth import API_KEY_FORMAT, API_KEY_KEYWORD, Refused


@dataclass(frozen=True)
class OrganisationSystem:
    """The caller: one organisation's information system (DRF's request.user)."""

    organisation: Organisation
    credential: str  # the key's prefix

    is_authenticated = True  # what DRF and Django ask of a user
    is_anonymous = False

    @property
    def pk(self) -> int:
        return self.organisation.pk

    def actor(self) -> Actor:
        """For the ledger and the upload: the organisation's system, named by its URA (or
        AGB), and the key it used."""
        organisation = self.organisation
        return Actor(
            username=f"api:{organisation.ura or organisation.agb}",
            name=f"{organisation.name[:150]} (API key {self.credential})",
            organisation_ura=organisation.ura,
            organisation_agb=organisation.agb,
            organisation_name=organisation.name,
        )


class OrganisationKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: a key issued to a HAP or SEH in the admin, not revoked,
    not expired. A GP practice's key (registry) is not one of these, nor the other way."""

    def authenticate(self, request):
        keyword, _space, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if keyword.lower() != API_KEY_KEYWORD.lower():
            return None
        key = key.strip()
        match = API_KEY_FORMAT.fullmatch(key)
        if match is None:
            raise Refused(_("The API key is not valid."), reason="malformed API key")
        prefix = match["prefix"]
        api_key = (
            OrganisationAPIKey.objects.select_related("organisation")
            .filter(prefix=prefix, revoked=False)
            .first()
        )
        if (
            api_key is None
            or api_key.has_expired
            or api_key.organisation.kind not in UPLOADING_KINDS
            or not api_key.is_valid(key)
        ):
            raise Refused(
                _("The API key is not valid."),
                reason=f"unknown, revoked or expired organisation API key {prefix}",
            )
        return OrganisationSystem(organisation=api_key.organisation, credential=prefix), key

    def authenticate_header(self, request) -> str:
        # A 401 with WWW-Authenticate, not a 403: the caller can do something about it.
        return f'{API_KEY_KEYWORD} realm="api"'


class IsOrganisationSystem(BasePermission):
    """Only an organisation's system: no person, not even a signed-in supervisor (who
    uploads a file on the page instead)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, OrganisationSystem)


class OrganisationRateThrottle(SimpleRateThrottle):
    """Per organisation (all its keys together): RECONCILIATION_API_RATE, read at each
    request (DRF reads its own rates once, at import), so a deployment and a test can
    change it."""

    scope = "contacts"

    def __init__(self) -> None:  # the rate is read in allow_request
        pass

    def allow_request(self, request, view) -> bool:
        self.rate = settings.RECONCILIATION_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = request.user
        who = f"organisation:{user.pk}" if isinstance(user, OrganisationSystem) else user.pk
        return f"api:throttle:{self.scope}:{who}"
