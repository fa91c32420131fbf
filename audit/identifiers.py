"""Dutch healthcare identifiers (see docs/glossary.md).

The checks live here once, so the ledger, the importer and the search form
agree on what a valid BSN, AGB, URA or UZI number is.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"
URA_SYSTEM = "http://fhir.nl/fhir/NamingSystem/ura"
UZI_SYSTEM = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"

# ASCII digits only, the whole value (used with fullmatch): \d would also take other
# scripts' digits ("١٢٣"), and $ would let a trailing newline through.
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_UZI_ROLE = re.compile(r"[0-9]{2}\.[0-9]{3}")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


# Each ASCII digit's byte is the digit + 48, so the weighted sum of the bytes is the
# weighted sum of the digits + 48 * (sum of the weights = 43).
_BSN_BYTE_OFFSET = 48 * sum(_BSN_WEIGHTS)


def bsn_is_valid(value: str) -> bool:
    """The BSN 11-test: d1*9 + d2*8 + ... + d8*2 - d9*1 is divisible by 11.

    Written out on the digits' bytes rather than as a sum over zip(): a batch of 5,000
    registrations runs it three times per row, and this is ~4× quicker
    (docs/performance.md, "Registry")."""
    if not isinstance(value, str) or not _NINE_DIGITS.fullmatch(value):
        return False
    d = value.encode("ascii")
    total = (
        9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6] + 2 * d[7] - d[8]
    )
    return (total - _BSN_BYTE_OFFSET) % 11 == 0 and value != "000000000"


def validate_bsn(value: str) -> None:
    if not bsn_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid BSN (9 digits that pass the 11-test)."),
            code="invalid_bsn",
            params={"value": value},
        )


def validate_agb(value: str) -> None:
    if not _EIGHT_DIGITS.fullmatch(value or ""):
        raise ValidationError(_("An AGB code has 8 digits."), code="invalid_agb")


def validate_ura(value: str) -> None:
    if not _EIGHT_DIGITS.fullmatch(value or ""):
        raise ValidationError(_("A URA number has 8 digits."), code="invalid_ura")


def validate_uzi_number(value: str) -> None:
    if not _NINE_DIGITS.fullmatch(value or ""):
        raise ValidationError(_("A UZI number has 9 digits."), code="invalid_uzi")


def validate_uzi_role_code(value: str) -> None:
    """A UZI role is <profession>.<specialism>, e.g. 01.015 (GP) or 30.000 (nurse)."""
    if not _UZI_ROLE.fullmatch(value or ""):
        raise ValidationError(
            _("A UZI role code looks like 01.015 (profession.specialism)."),
            code="invalid_uzi_role",
        )
