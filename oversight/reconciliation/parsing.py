"""The organisations' contact registrations, parsed at the edge (STYLE 6): a CSV file as a
HIS exports it, or the API's JSON, in; typed contacts out, or every error named by its row
and column. Nothing here touches the database. The format: docs/reconciliation.md.

Both ways in check each contact alike: the BSN (9 digits, the 11-test), the time of contact
(readable, not in the future), the location (1 to 100 characters). Rows are numbered as
the user sees them: in a file as the spreadsheet shows it (the header is row 1), in a call
by their index in `contacts` (from 0).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from audit.identifiers import bsn_is_valid

# The file's columns (Dutch: the HIS exports are) and the API's fields, in the same order.
COLUMNS = ("bsn", "contactmoment", "locatie")
FIELDS = ("bsn", "contact_at", "location")
LOCATION_MAX_LENGTH = 100  # oversight.models.ContactRegistration.location
EARLIEST_CONTACT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
BOM = b"\xef\xbb\xbf"

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


class _Errors:
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


def _when(
    value: str, *, strict: bool, row: int | None, column: str, now: dt.datetime, errors: _Errors
) -> dt.datetime | None:
    """`strict`: RFC 3339 only (the API); otherwise Dutch "dd-mm-jjjj uu:mm" or ISO 8601."""
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
    if at < EARLIEST_CONTACT:
        errors.add(row, column, _("Must not be before %(date)s.") % {"date": "2000-01-01"})
        return None
    return at


def _bsn(value: str, *, strict: bool, row: int | None, column: str, errors: _Errors) -> str | None:
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


def _location(value: str, *, row: int | None, column: str, errors: _Errors) -> str | None:
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


# --- A file ---------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """The spreadsheet's name of a column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def contacts_from_csv(data: bytes, *, now: dt.datetime) -> list[Contact]:
    """The contacts of a CSV file, or InvalidContacts naming each bad row and column.

    A header row names the columns bsn, contactmoment and locatie, in any order; the
    separator is ; (Excel in Dutch) or , whichever the header uses; UTF-8, with or without
    a byte order mark. Empty rows are skipped (but counted, as the spreadsheet shows them).
    `now`: nothing may lie after it."""
    errors = _Errors()
    limit = settings.RECONCILIATION_MAX_FILE_BYTES
    if len(data) > limit:
        errors.add(None, None, _("The file is larger than %(limit)s bytes.") % {"limit": limit})
        raise errors.refuse()
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.add(
            data[: exc.start].count(b"\n") + 1,
            None,
            _(
                'The file is not UTF-8 text. Save it as "CSV UTF-8" (Excel) or export it '
                "from the information system as UTF-8."
            ),
        )
        raise errors.refuse() from None
    header_line = text.split("\n", 1)[0]
    delimiter = "," if header_line.count(",") > header_line.count(";") else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None or not any(name.strip() for name in header):
            errors.add(
                None,
                None,
                _("The file is empty: it needs a header row with the columns %(columns)s.")
                % {"columns": ", ".join(COLUMNS)},
            )
            raise errors.refuse()
        positions, unnamed = _header(header, errors)
        if errors:
            raise errors.refuse()
        contacts = _rows(reader, positions, unnamed, len(header), now, errors)
    except csv.Error as exc:
        errors.add(
            reader.line_num or None, None, _("Not readable as CSV: %(error)s") % {"error": exc}
        )
        raise errors.refuse() from None
    if errors:
        raise errors.refuse()
    if not contacts:
        errors.add(None, None, _("The file holds no contacts, only a header row."))
        raise errors.refuse()
    return contacts


def _header(header: list[str], errors: _Errors) -> tuple[dict[str, int], list[int]]:
    """Where each column is; the unnamed columns (a trailing separator) may stay empty."""
    positions: dict[str, int] = {}
    unnamed: list[int] = []
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        if not name:
            unnamed.append(index)
        elif name not in COLUMNS:
            errors.add(
                1,
                raw.strip(),
                _("Unknown column: the file has the columns %(columns)s.")
                % {"columns": ", ".join(COLUMNS)},
            )
        elif name in positions:
            errors.add(1, name, _("This column appears more than once."))
        else:
            positions[name] = index
    for name in COLUMNS:
        if name not in positions:
            errors.add(1, name, _("This column is missing."))
    return positions, unnamed


def _rows(
    reader,
    positions: dict[str, int],
    unnamed: list[int],
    width: int,
    now: dt.datetime,
    errors: _Errors,
) -> list[Contact]:
    contacts: list[Contact] = []
    limit = settings.RECONCILIATION_MAX_ROWS
    bsn_at, when_at, where_at = (positions[name] for name in COLUMNS)
    for number, record in enumerate(reader, start=2):
        if number - 1 > limit:
            errors.add(
                number,
                None,
                _("The file has more than %(limit)s rows: split it into smaller files.")
                % {"limit": limit},
            )
            break
        if not any(value.strip() for value in record):
            continue
        for index, value in enumerate(record):
            if (index >= width or index in unnamed) and value.strip():
                errors.add(number, column_letter(index), _("A value in a column without a name."))
        values = record + [""] * (width - len(record))
        bsn = _bsn(values[bsn_at], strict=False, row=number, column="bsn", errors=errors)
        at = _when(
            values[when_at],
            strict=False,
            row=number,
            column="contactmoment",
            now=now,
            errors=errors,
        )
        location = _location(values[where_at], row=number, column="locatie", errors=errors)
        if bsn is not None and at is not None and location is not None:
            contacts.append(Contact(bsn=bsn, contact_at=at, location=location))
    return contacts


# --- A call of the API ----------------------------------------------------------------------


def contacts_from_json(data: Any, *, now: dt.datetime) -> list[Contact]:
    """The contacts of the API's body {"contacts": [{"bsn", "contact_at", "location"}, ...]},
    or InvalidContacts naming each bad contact (by index) and field."""
    errors = _Errors()
    if not isinstance(data, dict):
        errors.add(None, None, _("The body must be a JSON object."))
        raise errors.refuse()
    for name in data:
        if name != "contacts":
            errors.add(None, name, _("Unknown field."))
    rows = data.get("contacts")
    limit = settings.RECONCILIATION_API_MAX_CONTACTS
    if rows is None:
        errors.add(None, "contacts", _("This field is required."))
    elif not isinstance(rows, list):
        errors.add(None, "contacts", _("Must be a list of contacts."))
    elif not rows:
        errors.add(None, "contacts", _("Must hold at least one contact."))
    elif len(rows) > limit:
        errors.add(
            None,
            "contacts",
            _("At most %(limit)s contacts per call; this one has %(count)s.")
            % {"limit": limit, "count": len(rows)},
        )
    if errors:
        raise errors.refuse()
    contacts: list[Contact] = []
    for index, row in enumerate(rows):
        contact = _json_contact(row, index, now, errors)
        if contact is not None:
            contacts.append(contact)
    if errors:
        raise errors.refuse()
    return contacts


def _json_contact(row: Any, index: int, now: dt.datetime, errors: _Errors) -> Contact | None:
    if not isinstance(row, dict):
        errors.add(index, None, _("Each contact must be a JSON object."))
        return None
    for name in row:
        if name not in FIELDS:
            errors.add(index, name, _("Unknown field."))
    values: dict[str, str] = {}
    for name in FIELDS:
        if name not in row:
            errors.add(index, name, _("This field is required."))
        elif not isinstance(row[name], str):
            errors.add(index, name, _("Must be a string."))
        else:
            values[name] = row[name]
    bsn = at = location = None
    if "bsn" in values:
        bsn = _bsn(values["bsn"], strict=True, row=index, column="bsn", errors=errors)
    if "contact_at" in values:
        at = _when(
            values["contact_at"],
            strict=True,
            row=index,
            column="contact_at",
            now=now,
            errors=errors,
        )
    if "location" in values:
        location = _location(values["location"], row=index, column="location", errors=errors)
    if bsn is None or at is None or location is None:
        return None
    return Contact(bsn=bsn, contact_at=at, location=location)
