"""One contact's values, checked alike for a file and a call of the API, and the errors they
collect: what both ways in share (oversight.reconciliation.parsing)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from audit.identifiers import bsn_is_valid

LOCATION_MAX_LENGTH = 100  # oversight.models.ContactRegistration.location

_DIGITS = re.compile(r"[0-9]{8,9}")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
# "26-11-2026 09:30" (Excel in Dutch writes "26-11-2026 9:30"), seconds optional: Dutch time.
_DUTCH = re.compile(
    r"(?P<day>[0-9]{1,2})-(?P<month>[0-9]{1,2})-(?P<year>[0-9]{4})\s+"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
)
# ISO 8601 with a time: "2026-11-26T09:30", "2026-11-26 09:30:00", with or without an offset
# ("Z", "+01:00", "+0100"); without one it is Dutch time.
_ISO = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt ]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
# The API: RFC 3339 (what OpenAPI's date-time means), the offset required.
_RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# Control characters other than tab (PostgreSQL cannot store NUL at all).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
LOCATION_PATTERN = r"^[^\x00-\x08\x0a-\x1f\x7f]*\S[^\x00-\x08\x0a-\x1f\x7f]*$"


@dataclass(frozen=True)
class Contact:
    bsn: str
    contact_at: dt.datetime  # aware, UTC
    location: str


@dataclass(frozen=True)
class ContactError:
    """One bad value. `row`: in a file the row as the spreadsheet numbers it (header = 1),
    in a call the contact's index (from 0); None for the file or body as a whole.
    `column`: the file's column or the call's field; None for the row as a whole."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """As the page lists it: "row 7, column contactmoment: …" ("rij 7, kolom …")."""
        values = {"row": self.row, "column": self.column, "message": self.message}
        if self.row is not None and self.column is not None:
            return _("row %(row)s, column %(column)s: %(message)s") % values
        if self.row is not None:
            return _("row %(row)s: %(message)s") % values
        if self.column is not None:
            return _("column %(column)s: %(message)s") % values
        return self.message


class InvalidContacts(Exception):  # noqa: N818 - a refusal of the input, like ValidationError
    """Nothing is loaded: `errors` (at most RECONCILIATION_MAX_ERRORS) and how many more
    there were (`more`)."""

    def __init__(self, errors: list[ContactError], more: int = 0) -> None:
        super().__init__(f"{len(errors) + more} invalid value(s)")
        self.errors = errors
        self.more = more

    @property
    def count(self) -> int:
        return len(self.errors) + self.more


class Errors:
    """The errors found so far, the first RECONCILIATION_MAX_ERRORS kept, the rest counted:
    a file of 100,000 bad rows is not a page of 100,000 lines."""

    def __init__(self) -> None:
        self.kept: list[ContactError] = []
        self.more = 0
        self.limit = settings.RECONCILIATION_MAX_ERRORS

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(ContactError(row, column, message))
        else:
            self.more += 1

    def add_first(self, row: int | None, column: str | None, message: str) -> None:
        """An error that decides what the user must do whatever else is wrong (the file is
        too long: split it): listed first, never among the ones only counted."""
        self.kept.insert(0, ContactError(row, column, message))
        if len(self.kept) > self.limit:
            self.kept.pop()
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def refuse(self) -> InvalidContacts:
        return InvalidContacts(self.kept, self.more)


# --- One value ----------------------------------------------------------------------------


def _dutch_time(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int
) -> dt.datetime | str:
    """A wall-clock time in the Netherlands, in UTC; a message if no such time exists. Of
    the hour that occurs twice (the clocks go back) the first is taken: an hour does not
    decide a match within RECONCILIATION_WINDOW."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return _("This time does not exist in Dutch time: the clocks went forward then.")
    return utc


def _from_match(match: re.Match) -> dt.datetime | str | None:
    """The time a matched pattern names (UTC), a message, or None if it names no date."""
    parts = match.groupdict()
    fraction = (parts.get("fraction") or "")[:6].ljust(6, "0")
    try:
        fields = [int(parts[name]) for name in ("year", "month", "day", "hour", "minute")]
        second, micro = int(parts.get("second") or 0), int(fraction)
        offset = parts.get("offset")
        if offset is None:
            return _dutch_time(*fields, second, micro)
        if offset in ("Z", "z"):
            zone = dt.UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            zone = dt.timezone(-delta if offset[0] == "-" else delta)
        return dt.datetime(*fields, second, micro, tzinfo=zone).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


def check_time(
    value: str, *, strict: bool, row: int | None, column: str, now: dt.datetime, errors: Errors
) -> dt.datetime | None:
    """`strict`: RFC 3339 only (the API); otherwise Dutch "dd-mm-jjjj uu:mm" or ISO 8601.
    Not after `now` (API_CLOCK_SKEW_SECONDS of leeway), not more than
    RECONCILIATION_MAX_AGE_DAYS before it."""
    if strict:
        match = _RFC3339.fullmatch(value)
    else:
        value = value.strip()
        match = _DUTCH.fullmatch(value) or _ISO.fullmatch(value)
    at = _from_match(match) if match else None
    if isinstance(at, str):
        errors.add(row, column, at)
        return None
    if at is None:
        if strict:
            message = _(
                "Must be a date and time with a UTC offset (RFC 3339), "
                "e.g. 2026-11-26T09:30:00+01:00."
            )
        else:
            message = _(
                "Must be a date and time: dd-mm-yyyy hh:mm (Dutch time) or ISO 8601, "
                "e.g. 26-11-2026 09:30 or 2026-11-26T09:30:00+01:00."
            )
        errors.add(row, column, message)
        return None
    if at > now + dt.timedelta(seconds=settings.API_CLOCK_SKEW_SECONDS):
        errors.add(row, column, _("Must not be in the future."))
        return None
    # A mistyped year or month would stretch the period the uploads cover, and every view
    # in it would be judged against contacts that were never sent: a flood of false alerts.
    max_age = settings.RECONCILIATION_MAX_AGE_DAYS
    if at < now - dt.timedelta(days=max_age):
        errors.add(
            row,
            column,
            _("Must not be more than %(days)s days ago: check the date.") % {"days": max_age},
        )
        return None
    return at


def check_bsn(
    value: str, *, strict: bool, row: int | None, column: str, errors: Errors
) -> str | None:
    """`strict`: exactly 9 digits (the API). A file may hold 8: a spreadsheet drops the
    leading 0 of a BSN in a column of numbers, and an 8-digit BSN is that one with a 0."""
    if strict:
        if not _NINE_DIGITS.fullmatch(value):
            errors.add(row, column, _("Must be a string of 9 digits."))
            return None
    elif not _DIGITS.fullmatch(value := value.strip()):
        errors.add(row, column, _("Must be a BSN of 9 digits."))
        return None
    value = value.zfill(9)
    if not bsn_is_valid(value):
        errors.add(row, column, _("Not a valid BSN: it fails the 11-test."))
        return None
    return value


def check_location(value: str, *, row: int | None, column: str, errors: Errors) -> str | None:
    value = value.strip()
    if not value:
        errors.add(row, column, _("Must not be empty."))
        return None
    if len(value) > LOCATION_MAX_LENGTH:
        errors.add(
            row,
            column,
            _("At most %(limit)s characters; this one has %(count)s.")
            % {"limit": LOCATION_MAX_LENGTH, "count": len(value)},
        )
        return None
    if _CONTROL.search(value):
        errors.add(row, column, _("Must not contain control characters."))
        return None
    return value
