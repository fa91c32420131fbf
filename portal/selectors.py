from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Membership, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The active roles a user holds, for choosing whom to act for."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
