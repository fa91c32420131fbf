"""One notification to the GP as their pages show it (issue 15, item 4): the row, in plain
words. Apart from the reads (registry.notification_selectors for the list,
registry.sql / registry.selectors for the patient page, which reads them with the patient
in one statement) so that every page builds the same rows from the same columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.models import Role
from registry.models import GpNotification

# The columns a notification is read with, in this order (registry.models.GpNotification).
NOTIFICATION_FIELDS = (
    "occurred_at",
    "id",
    "patient_bsn",
    "reason",
    "organisation_name",
    "user_name",
    "user_role",
    "consent_policy",
    "read_at",
    "read_by",
    "event_seq",
)


@dataclass(frozen=True)
class NotificationRow:
    """One notification as the GP's pages show it: labels and plain words, not codes."""

    id: int
    occurred_at: dt.datetime
    patient_bsn: str
    patient_name: str  # from the practice's own summary; "" when it holds none
    organisation: str
    user_name: str
    user_role: str  # the portal role, as its label
    why: str  # the reason in plain words, with the policy
    emergency: bool
    read_at: dt.datetime | None
    read_by: str
    event_seq: int


def why(reason: str, policy: str) -> str:
    """Why the summary was opened, in plain words for the GP, in the current language."""
    if reason == GpNotification.Reason.EMERGENCY_ACCESS:
        if policy:
            return _(
                "Emergency access: the patient could not give consent (under the policy %(policy)s)"
            ) % {"policy": policy}
        return _("Emergency access: the patient could not give consent")
    if policy:
        return _(
            "No choice registered; opened under the policy %(policy)s, with the patient's "
            "consent on the spot"
        ) % {"policy": policy}
    return _("No choice registered; opened under a policy, with the patient's consent on the spot")


def notification_rows(
    values: Iterable[tuple], names: Mapping[str, str] | None = None
) -> list[NotificationRow]:
    """Rows from NOTIFICATION_FIELDS' values; `names`: the patients' names by BSN, from the
    practice's own summaries (none on the patient page, whose heading names the patient)."""
    names = names or {}
    roles = {value: str(label) for value, label in Role.choices}
    return [
        NotificationRow(
            id=id_,
            occurred_at=at,
            patient_bsn=bsn,
            patient_name=names.get(bsn, ""),
            organisation=organisation,
            user_name=user_name,
            user_role=roles.get(role, role),
            why=why(reason, policy),
            emergency=reason == GpNotification.Reason.EMERGENCY_ACCESS,
            read_at=read_at,
            read_by=read_by,
            event_seq=seq,
        )
        for (
            at,
            id_,
            bsn,
            reason,
            organisation,
            user_name,
            role,
            policy,
            read_at,
            read_by,
            seq,
        ) in values
    ]
