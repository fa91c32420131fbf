"""Notifying the GP (issue 15, item 4): a message to the patient's GP practice for each view
of their summary by emergency access or under a policy for patients without a registered
choice, so that the GP can follow up with the patient. The GP reads them on their pages
(registry.notifications, /registratie/meldingen/).

Made by the monitoring scan from the window's new events, in its transaction: one
INSERT … SELECT that joins the views with the enrolments (summaries.Enrolment: which
practice the patient is with, as the pulls learned it), one row per ledger event. The
notification's event_seq is unique, so a scan run again over the same events (the
watermark set back) makes none twice (ON CONFLICT DO NOTHING). A patient without an
enrolment has no practice to tell: the view is counted as not placed.

Which views: those the rules oversight.monitoring.rules.consent picks out for review — a
view (shown, by a staff member) with the consent basis emergency access, or on-the-spot
consent under a policy (a blank patient's summary: consent.decision).
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.models import AccessEvent, ConsentBasis
from oversight.monitoring.rules.common import VIEW, VIEWS
from oversight.monitoring.window import TABLE, Window
from registry.models import GpNotification
from summaries.models import Enrolment

# The event types the notifications read: the scan's window holds them even when every
# rule that reads them is switched off (MONITORING_RULES_OFF).
READS = frozenset({VIEW})

_EMERGENCY = ConsentBasis.EMERGENCY_ACCESS.value
_UNDER_POLICY = ConsentBasis.ON_THE_SPOT_CONSENT.value

# The window has no portal role: the ledger's row, by its primary key, gives it. The
# practice from the enrolment; views of patients with none are counted, not inserted.
_NOTIFY = f"""
WITH opened AS (
    SELECT w.id, w.seq, w.bsn, w.occurred_at, w.consent_basis, w.consent_policy,
           w.organisation_name, w.user_name, en.practice_id
    FROM {TABLE} w
    LEFT JOIN {Enrolment._meta.db_table} en ON en.bsn = w.bsn
    WHERE w.is_new AND {VIEWS}
      AND w.consent_basis IN ('{_EMERGENCY}', '{_UNDER_POLICY}')
), made AS (
    INSERT INTO {GpNotification._meta.db_table} (
        practice_id, patient_bsn, event_seq, occurred_at, reason,
        organisation_name, user_name, user_role, consent_policy, read_at, read_by)
    SELECT o.practice_id, o.bsn, o.seq, o.occurred_at,
           CASE o.consent_basis
               WHEN '{_EMERGENCY}' THEN '{GpNotification.Reason.EMERGENCY_ACCESS.value}'
               ELSE '{GpNotification.Reason.BLANK_UNDER_POLICY.value}'
           END,
           o.organisation_name, o.user_name, e.user_portal_role, o.consent_policy, NULL, ''
    FROM opened o
    JOIN {AccessEvent._meta.db_table} e ON e.id = o.id
    WHERE o.practice_id IS NOT NULL
    ON CONFLICT (event_seq) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM made),
       (SELECT count(*) FROM opened WHERE practice_id IS NULL)
"""  # noqa: S608 - constants only


@dataclass(frozen=True)
class Notified:
    made: int  # notifications written now
    not_placed: int  # views of patients enrolled with no practice the portal knows


def gp_notifications_make(window: Window) -> Notified:
    """One GpNotification per new view in the window by emergency access or under a policy
    whose patient is enrolled with a practice, in one statement, inside the scan's
    transaction. Writes no ledger event: the views are in the ledger already, and the GP's
    reading of the notifications is logged (registry.notifications)."""
    window.cursor.execute(_NOTIFY)
    made, not_placed = window.cursor.fetchone()
    return Notified(made=made, not_placed=not_placed)
