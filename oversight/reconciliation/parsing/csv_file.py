"""A CSV file of contact registrations as a HIS (or Excel in Dutch) writes it: the contacts,
or InvalidContacts naming each bad row and column as the spreadsheet numbers them."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.conf import settings
from django.utils.translation import gettext as _

from oversight.reconciliation.parsing.values import (
    Contact,
    Errors,
    check_bsn,
    check_location,
    check_time,
)

# The file's columns (Dutch: the HIS exports are); the API's fields are named in English
# (parsing.json_body.FIELDS), in the same order.
COLUMNS = ("bsn", "contactmoment", "locatie")
BOM = b"\xef\xbb\xbf"


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
    errors = Errors()
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


def _header(header: list[str], errors: Errors) -> tuple[dict[str, int], list[int]]:
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
    errors: Errors,
) -> list[Contact]:
    contacts: list[Contact] = []
    limit = settings.RECONCILIATION_MAX_ROWS
    bsn_at, when_at, where_at = (positions[name] for name in COLUMNS)
    for number, record in enumerate(reader, start=2):
        if number - 1 > limit:
            # First, whatever was found before: no other error matters until the file is
            # split, and behind RECONCILIATION_MAX_ERRORS others it would only be counted.
            errors.add_first(
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
        bsn = check_bsn(values[bsn_at], strict=False, row=number, column="bsn", errors=errors)
        at = check_time(
            values[when_at],
            strict=False,
            row=number,
            column="contactmoment",
            now=now,
            errors=errors,
        )
        location = check_location(values[where_at], row=number, column="locatie", errors=errors)
        if bsn is not None and at is not None and location is not None:
            contacts.append(Contact(bsn=bsn, contact_at=at, location=location))
    return contacts
