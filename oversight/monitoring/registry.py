"""What a monitoring rule is, the rules there are, and what each kind of alert means.

A rule is one function decorated with `@rule(...)` in oversight/monitoring/rules/: it gets the
scan's window (oversight.monitoring.window) and returns its findings, one per user and
organisation, each with the ledger events behind it. The decorator names the kind of alert
it raises (a MisuseAlert.Kind), the event types it reads, how far before the new events
it looks (for rules over a span of time), and its plain explanation. Its thresholds are
MONITORING_* settings (docs/monitoring.md). Adding a rule: a Kind, a function, its settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from audit.models import MisuseAlert

Kind = MisuseAlert.Kind


@dataclass(frozen=True)
class Finding:
    """A rule's hit for one user at one organisation: the events behind it and its facts
    (the alert's detail)."""

    username: str
    user_name: str
    organisation_ura: str
    organisation_name: str
    event_ids: list[int]
    first_at: dt.datetime
    last_at: dt.datetime
    detail: dict


@dataclass(frozen=True)
class Rule:
    kind: Kind
    function: Callable  # (window: oversight.monitoring.window.Window) -> list[Finding]
    reads: frozenset[str]  # event types (audit.models.EventType values)
    lookback: Callable[[], dt.timedelta]  # how far before the new events, from settings
    explanation: Callable[[], str]


RULES: dict[Kind, Rule] = {}


def _no_lookback() -> dt.timedelta:
    return dt.timedelta(0)


def rule(
    kind: Kind,
    *,
    reads: frozenset[str],
    explanation: Callable[[], str],
    lookback: Callable[[], dt.timedelta] = _no_lookback,
):
    """Register the decorated function as the rule that raises alerts of `kind`."""

    def register(function: Callable) -> Callable:
        if kind in RULES:
            raise ValueError(f"a rule for {kind} exists already")
        RULES[kind] = Rule(kind, function, frozenset(reads), lookback, explanation)
        return function

    return register


def rules_in_force() -> list[Rule]:
    """The registered rules, less those MONITORING_RULES_OFF names, in a fixed order."""
    import oversight.monitoring.rules  # noqa: F401 - registers the rules

    off = set(settings.MONITORING_RULES_OFF)
    unknown = off - {str(kind) for kind in RULES}
    if unknown:
        raise ValueError(f"MONITORING_RULES_OFF names no rule: {sorted(unknown)}")
    return [RULES[kind] for kind in Kind if kind in RULES and kind not in off]


# The alerts raised at once by the request they refuse or record, not by the scan.
_RAISED_BY_REQUESTS: dict[Kind, Callable[[], str]] = {
    Kind.SEARCH_VOLUME: lambda: (
        _(
            "The search throttle refused this user's searches: %(limit)s different patients "
            "within an hour is the most anyone may search."
        )
        % {"limit": settings.TRIAGE_PATIENTS_PER_HOUR}
    ),
    Kind.FAILED_SEARCHES: lambda: (
        _(
            "The search throttle refused this user's searches after %(limit)s searches that "
            "found nobody within an hour."
        )
        % {"limit": settings.TRIAGE_FAILED_SEARCHES_PER_HOUR}
    ),
    Kind.ROLE_GRANTED: lambda: _(
        "A clinical role was granted to this account: check that the person is to read "
        "patients' summaries."
    ),
    # Raised by reconciliation after an upload of the organisation's own contact
    # registrations (oversight.reconciliation.services.contacts_reconcile), not by the scan:
    # a view can be judged only once the contacts around it have been uploaded.
    Kind.NO_MATCHING_CONTACT: lambda: (
        _(
            "This user opened the summaries of patients for whom the organisation's own "
            "registration (its uploaded contacts) holds no contact within %(hours)s hours "
            "before or after the view. Ask the user why; a contact missing from the upload "
            "explains it too."
        )
        % {"hours": f"{settings.RECONCILIATION_WINDOW.total_seconds() / 3600:g}"}
    ),
}


def alert_explanation(kind: Kind | str) -> str:
    """What an alert of this kind means, in the current language, with the thresholds in
    force now (the alert's detail keeps those it was raised under)."""
    import oversight.monitoring.rules  # noqa: F401 - registers the rules

    kind = Kind(kind)
    if kind in RULES:
        return RULES[kind].explanation()
    return _RAISED_BY_REQUESTS[kind]()
