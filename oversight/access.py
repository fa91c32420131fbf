"""Who may do the supervisors' work: the one check that every oversight service and the
selectors behind its pages call first, whatever path they are called from (page, API,
task). The view decorators (portal.access.requires) say the same for the pages; this is
what holds when a service is called from anywhere else."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from audit.actors import Actor
from portal.access import Permission, Refusal, membership_allows
from portal.models import Membership


def supervisor_actor(membership: Membership, *, needs_ura: bool = False) -> Actor:
    """The supervisor acting for their organisation, or PermissionDenied for any other role.
    `needs_ura`: the work reads the ledger, which names an organisation by its URA; without
    one, "its" events cannot be told from those of any other organisation without a URA,
    so the answer is a Refusal that says what to do."""
    if not membership_allows(membership, Permission.VIEW_AUDIT):
        raise PermissionDenied(f"role {membership.role} may not do a supervisor's work")
    if needs_ura and not membership.organisation.ura:
        raise Refusal(
            _(
                "Your organisation has no URA number in the portal, so its log cannot be "
                "shown. Ask the administrator to add it."
            )
        )
    return Actor.for_membership(membership)
