"""The body of POST /api/v1/contacts: the contacts, or InvalidContacts naming each bad one
by its index in `contacts` (from 0) and field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from oversight.reconciliation.parsing.values import (
    Contact,
    Errors,
    check_bsn,
    check_location,
    check_time,
)

# The API's fields, in the order of the file's columns (parsing.csv_file.COLUMNS).
FIELDS = ("bsn", "contact_at", "location")


def contacts_from_json(data: Any, *, now: dt.datetime) -> list[Contact]:
    """The contacts of the API's body {"contacts": [{"bsn", "contact_at", "location"}, ...]},
    or InvalidContacts naming each bad contact (by index) and field."""
    errors = Errors()
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


def _json_contact(row: Any, index: int, now: dt.datetime, errors: Errors) -> Contact | None:
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
        bsn = check_bsn(values["bsn"], strict=True, row=index, column="bsn", errors=errors)
    if "contact_at" in values:
        at = check_time(
            values["contact_at"],
            strict=True,
            row=index,
            column="contact_at",
            now=now,
            errors=errors,
        )
    if "location" in values:
        location = check_location(values["location"], row=index, column="location", errors=errors)
    if bsn is None or at is None or location is None:
        return None
    return Contact(bsn=bsn, contact_at=at, location=location)
