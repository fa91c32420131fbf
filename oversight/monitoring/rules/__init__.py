"""The monitoring rules: each one function of set-based SQL over the scan's window.

SQL rather than the ORM: each rule is a statement of window functions and joins over the
window's events (one day of national traffic: some 200,000 views, to be read in a minute at
most, issue 15); a loop over events in Python would not keep up, and each rule reads best as
the one statement it is. tests/oversight/test_monitoring_rules.py has, per rule, a case that
must raise and one that must not.

Each function returns findings (oversight.monitoring.registry.Finding): per user and
organisation the window's events behind the hit, and the facts for the alert's detail.
Only a window with at least one new event (`is_new`) raises anything: what the scans
before saw has been judged.

Importing this package registers the rules (oversight.monitoring.registry.rule).
"""

from oversight.monitoring.rules import consent, fishing, hours, relatives, volume

__all__ = ["consent", "fishing", "hours", "relatives", "volume"]
