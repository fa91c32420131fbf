"""The consent bases that are always reviewed: emergency access, a blank patient under a
policy (the ledger's consent_basis, audit.models.ConsentBasis)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from audit.models import ConsentBasis, Outcome
from oversight.monitoring.registry import Finding, Kind, rule
from oversight.monitoring.rules.common import EMERGENCY, PATIENTS, VIEW, VIEWS
from oversight.monitoring.window import TABLE, Window


@rule(
    Kind.EMERGENCY_ACCESS,
    reads=frozenset({EMERGENCY, VIEW}),
    explanation=lambda: _(
        "Every emergency access is reviewed: the patient could not consent, and the user "
        "asked for the summary on that ground (granted or refused). Check the coded reason "
        "and that the patient was in the user's care."
    ),
)
def emergency_access(window: Window) -> list[Finding]:
    """Each emergency_access event (the answer "cannot consent" at the point of care,
    granted or refused), and each view on the basis of emergency access."""
    sql = f"""
    SELECT username, ura, array_agg(id ORDER BY id) AS event_ids,
           jsonb_build_object(
               'emergency_accesses', count(*) FILTER (WHERE event_type = '{EMERGENCY}'),
               'refused', count(*) FILTER (
                   WHERE event_type = '{EMERGENCY}' AND outcome <> {Outcome.SUCCESS.value}),
               'views', count(*) FILTER (WHERE event_type = '{VIEW}'),
               'reasons', to_jsonb(array_remove(
                   array_agg(DISTINCT detail ->> 'emergency_reason'), NULL)),
               'patients', {PATIENTS}
           ) AS detail
    FROM {TABLE}
    WHERE is_new AND username <> '' AND (
        event_type = '{EMERGENCY}'
        OR ({VIEWS} AND consent_basis = '{ConsentBasis.EMERGENCY_ACCESS.value}'))
    GROUP BY username, ura
    """  # noqa: S608 - constants only
    return window.findings(sql)


@rule(
    Kind.BLANK_UNDER_POLICY,
    reads=frozenset({VIEW}),
    explanation=lambda: _(
        "Every view of the summary of a patient without a registered choice is reviewed: "
        "the patient agreed on the spot, and a policy (such as the Corona Opt-in) made the "
        "summary available. Check that the policy's condition applied to the patient. "
        "(Emergency access under a policy has alerts of its own.)"
    ),
)
def blank_under_policy(window: Window) -> list[Finding]:
    """Each view on the basis of on-the-spot consent under a policy: the one basis that
    makes a blank patient's summary available without emergency access
    (consent.decision)."""
    sql = f"""
    SELECT username, ura, array_agg(id ORDER BY id) AS event_ids,
           jsonb_build_object(
               'views', count(*),
               'policies', to_jsonb(array_agg(DISTINCT consent_policy)),
               'patients', {PATIENTS}
           ) AS detail
    FROM {TABLE}
    WHERE is_new AND {VIEWS} AND consent_basis = '{ConsentBasis.ON_THE_SPOT_CONSENT.value}'
    GROUP BY username, ura
    """  # noqa: S608 - constants only
    return window.findings(sql)
