"""Who acts: the NEN 7513 user fields of an access event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # audit does not import portal at run time (docs/architecture.md)
    from portal.models import Membership, User


@dataclass(frozen=True)
class Actor:
    username: str
    name: str
    uzi_number: str = ""
    role_code: str = ""
    portal_role: str = ""
    organisation_ura: str = ""
    organisation_agb: str = ""
    organisation_name: str = ""

    @classmethod
    def for_membership(cls, membership: Membership) -> Actor:
        """A staff member acting for one organisation in one role."""
        user, organisation = membership.user, membership.organisation
        return cls(
            username=user.username,
            name=user.display_name,
            uzi_number=user.uzi_number,
            role_code=membership.uzi_role_code,
            portal_role=membership.role,
            organisation_ura=organisation.ura,
            organisation_agb=organisation.agb,
            organisation_name=organisation.name,
        )

    @classmethod
    def for_user(cls, user: User) -> Actor:
        """A user not (yet) acting for an organisation, e.g. at login."""
        return cls(username=user.username, name=user.display_name, uzi_number=user.uzi_number)

    @classmethod
    def system(cls, name: str) -> Actor:
        """A process acting on its own, e.g. a Celery task or a command."""
        return cls(username=f"system:{name}", name=name)
