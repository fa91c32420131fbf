"""The API's input, parsed at the edge: JSON in, typed choices out, or a message per bad row
and field (STYLE 6). Nothing here touches the database.

Plain Python rather than DRF serializers: a batch has up to 5,000 rows, and a serializer
spends tens of microseconds on each field of each row; these checks take a few. The schema
(registry/api/serializers.py) describes the same rules, and schemathesis holds the two
together (tests/registry/test_api_schema.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.identifiers import bsn_is_valid
from consent.models import Decision, Scope
from registry.batch import Choice

ROW_FIELDS = (
    "bsn",
    "birth_date",
    "scope",
    "decision",
    "registered_at",
    "by_representative",
    "note",
)
REQUIRED_ROW_FIELDS = ("bsn", "birth_date", "scope", "decision")
LOOKUP_FIELDS = ("bsn", "birth_date")
NOTE_MAX_LENGTH = 500  # consent.models.ConsentRegistration.note
EARLIEST_BIRTH_DATE = dt.date(1880, 1, 1)
EARLIEST_REGISTRATION = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 (what OpenAPI's date-time means): a UTC offset is required.
_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# Control characters other than tab, newline and carriage return (PostgreSQL cannot store
# NUL at all). The schema's pattern for `note` says the same.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOTE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
SCOPES = tuple(Scope.values)
DECISIONS = tuple(Decision.values)
_ROW_FIELD_SET = frozenset(ROW_FIELDS)
_REQUIRED_FIELD_SET = frozenset(REQUIRED_ROW_FIELDS)
_SCOPE_MEMBERS = {value: Scope(value) for value in SCOPES}
_DECISION_MEMBERS = {value: Decision(value) for value in DECISIONS}


@dataclass(frozen=True)
class FieldError:
    """One bad field: `index` is the row's position in `registrations` (from 0), None for
    the body itself; `field` None when the row or body as a whole is wrong."""

    field: str | None
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class InvalidInput(Exception):  # noqa: N818 - a refusal of the input, like ValidationError
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


@dataclass(frozen=True)
class Patient:
    bsn: str
    birth_date: dt.date


def not_own_patient_message() -> str:
    """The one answer for an unknown BSN, another practice's patient and a birth date that
    does not match: none says more than the others."""
    return _("No patient of your practice has this BSN and birth date.")


def batch_from_json(data: Any, *, now: dt.datetime) -> list[Choice]:
    """The registrations of a batch body, or InvalidInput naming every bad row and field.
    `now`: the start of the request (no date may lie after it)."""
    errors: list[FieldError] = []
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(None, _("The body must be a JSON object."))])
    for name in data:
        if name != "registrations":
            errors.append(FieldError(name, _("Unknown field.")))
    rows = data.get("registrations")
    limit = settings.API_BATCH_MAX_ROWS
    if rows is None:
        errors.append(FieldError("registrations", _("This field is required.")))
    elif not isinstance(rows, list):
        errors.append(FieldError("registrations", _("Must be a list of registrations.")))
    elif not rows:
        errors.append(FieldError("registrations", _("Must hold at least one registration.")))
    elif len(rows) > limit:
        errors.append(
            FieldError(
                "registrations",
                _("At most %(limit)s registrations per batch; this one has %(count)s.")
                % {"limit": limit, "count": len(rows)},
            )
        )
    if errors:
        raise InvalidInput(errors)

    choices: list[Choice] = []
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    today = timezone.localdate(now)  # once: in the time zone's machinery it costs ~10 µs
    for index, row in enumerate(rows):
        choice = _choice(row, index, now, today, errors)
        if choice is not None:
            choices.append(choice)
            seen[choice.patient_bsn, choice.scope].append(index)
    for indexes in seen.values():
        if len(indexes) > 1:
            rows_text = ", ".join(str(i) for i in indexes)
            errors.extend(
                FieldError(
                    "scope",
                    _(
                        "The same patient and scope appear more than once in this batch "
                        "(rows %(rows)s): send one registration per patient and scope."
                    )
                    % {"rows": rows_text},
                    index,
                )
                for index in indexes
            )
    if errors:
        raise InvalidInput(sorted(errors, key=lambda e: (e.index or 0, _order(e.field))))
    return choices


def lookup_from_json(data: Any, *, now: dt.datetime) -> Patient:
    """The patient a lookup asks for, or InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(None, _("The body must be a JSON object."))])
    errors = [FieldError(name, _("Unknown field.")) for name in data if name not in LOOKUP_FIELDS]
    errors += [
        FieldError(name, _("This field is required.")) for name in LOOKUP_FIELDS if name not in data
    ]
    bsn = _bsn(data.get("bsn"), None, errors) if "bsn" in data else None
    birth_date = (
        _birth_date(data.get("birth_date"), None, timezone.localdate(now), errors)
        if "birth_date" in data
        else None
    )
    if errors or bsn is None or birth_date is None:
        raise InvalidInput(errors)
    return Patient(bsn=bsn, birth_date=birth_date)


def _order(field: str | None) -> int:
    return ROW_FIELDS.index(field) if field in ROW_FIELDS else -1


def _choice(
    row: Any, index: int, now: dt.datetime, today: dt.date, errors: list[FieldError]
) -> Choice | None:
    if not isinstance(row, dict):
        errors.append(FieldError(None, _("Each registration must be a JSON object."), index))
        return None
    before = len(errors)
    names = row.keys()
    if not names <= _ROW_FIELD_SET:  # set operations on the keys: the usual row costs less
        errors.extend(
            FieldError(name, _("Unknown field."), index)
            for name in row
            if name not in _ROW_FIELD_SET
        )
    if not names >= _REQUIRED_FIELD_SET:
        errors.extend(
            FieldError(name, _("This field is required."), index)
            for name in REQUIRED_ROW_FIELDS
            if name not in row
        )
    bsn = _bsn(row["bsn"], index, errors) if "bsn" in row else None
    birth_date = (
        _birth_date(row["birth_date"], index, today, errors) if "birth_date" in row else None
    )
    scope = _choice_of(row.get("scope"), SCOPES, "scope", index, errors) if "scope" in row else ""
    decision = (
        _choice_of(row.get("decision"), DECISIONS, "decision", index, errors)
        if "decision" in row
        else ""
    )
    at = (
        _registered_at(row["registered_at"], index, now, errors) if "registered_at" in row else None
    )
    by_representative = row.get("by_representative", False)
    if type(by_representative) is not bool:
        errors.append(FieldError("by_representative", _("Must be true or false."), index))
    note = row.get("note", "")
    if note == "":
        pass
    elif not isinstance(note, str) or len(note) > NOTE_MAX_LENGTH:
        errors.append(
            FieldError(
                "note",
                _("Must be text of at most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH},
                index,
            )
        )
    elif CONTROL_CHARACTERS.search(note):
        errors.append(FieldError("note", _("Must not contain control characters."), index))
    if len(errors) > before or bsn is None or birth_date is None:
        return None
    return Choice(
        patient_bsn=bsn,
        scope=_SCOPE_MEMBERS[scope],
        decision=_DECISION_MEMBERS[decision],
        by_representative=by_representative,
        note=note,
        at=at,
        patient_birth_date=birth_date,
    )


def _bsn(value: Any, index: int | None, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str) or not _NINE_DIGITS.fullmatch(value):
        errors.append(FieldError("bsn", _("Must be a string of 9 digits."), index))
        return None
    if not bsn_is_valid(value):
        errors.append(FieldError("bsn", _("Not a valid BSN: it fails the 11-test."), index))
        return None
    return value


def _birth_date(
    value: Any, index: int | None, today: dt.date, errors: list[FieldError]
) -> dt.date | None:
    """`today`: the date in the Netherlands at the start of the request."""
    date = None
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            date = None
    if date is None:
        errors.append(FieldError("birth_date", _("Must be a date: YYYY-MM-DD."), index))
        return None
    if date > today:  # today in the Netherlands is not the future
        errors.append(FieldError("birth_date", _("Must not be in the future."), index))
        return None
    if date < EARLIEST_BIRTH_DATE:
        errors.append(
            FieldError(
                "birth_date",
                _("Must not be before %(date)s.") % {"date": EARLIEST_BIRTH_DATE.isoformat()},
                index,
            )
        )
        return None
    return date


def _registered_at(
    value: Any, index: int | None, now: dt.datetime, errors: list[FieldError]
) -> dt.datetime | None:
    at = None
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match:
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
        text = f"{match['date']}T{match['time']}.{fraction}{offset}"
        try:
            at = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            at = None
    if at is None:
        errors.append(
            FieldError(
                "registered_at",
                _(
                    "Must be a date and time with a UTC offset (RFC 3339), "
                    "e.g. 2026-11-26T09:30:00+01:00."
                ),
                index,
            )
        )
        return None
    if at > now + dt.timedelta(seconds=settings.API_CLOCK_SKEW_SECONDS):
        errors.append(FieldError("registered_at", _("Must not be in the future."), index))
        return None
    if at < EARLIEST_REGISTRATION:
        errors.append(
            FieldError(
                "registered_at", _("Must not be before %(date)s.") % {"date": "2000-01-01"}, index
            )
        )
        return None
    return at


def _choice_of(
    value: Any, allowed: tuple[str, ...], field: str, index: int | None, errors: list[FieldError]
) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    errors.append(
        FieldError(
            field, _("Must be one of: %(choices)s.") % {"choices": ", ".join(allowed)}, index
        )
    )
    return ""
