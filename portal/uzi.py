"""Reading a UZI-pas certificate, as forwarded by the TLS proxy that verified it.

The proxy (deploy/nginx.conf) checks the chain against the UZI CA and forwards
the client certificate; we check again what concerns us: a trusted issuer, the
validity dates, the card type and the UZI string in subjectAltName otherName
2.5.5.5: <CA OID>-<version>-<UZI nr>-<card type>-<subscriber nr>-<role>-<AGB>.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.utils.translation import gettext_lazy as _

UZI_OTHER_NAME = x509.ObjectIdentifier("2.5.5.5")
CA_OID_PREFIX = "2.16.528.1.1003.1.3.5.5."
# The CA OID's last arc says which kind of card it issued.
CARD_TYPE_BY_CA_ARC = {"2": "Z", "3": "N", "4": "M", "5": "S"}
# ASCII digits, the whole text (fullmatch): \d takes other scripts' digits, $ a newline.
UZI_STRING = re.compile(
    r"(?P<ca>[0-9.]+)-(?P<version>[0-9]+)-(?P<uzi>[0-9]{9})-(?P<card>[ZNMS])"
    r"-(?P<subscriber>[0-9]{8})-(?P<role>[0-9]{2}\.[0-9]{3})-(?P<agb>[0-9]{8})"
)


class UziCardRefused(Exception):  # noqa: N818 - a refusal, not a crash
    """The card cannot log anyone in; `reason` says why in the user's language."""

    def __init__(self, code: str, reason: str) -> None:
        self.code, self.reason = code, str(reason)
        super().__init__(f"{code}: {reason}")


@dataclass(frozen=True)
class UziCard:
    uzi_number: str
    card_type: str  # Z care provider, N named employee, M unnamed employee, S server
    subscriber: str  # the organisation's URA
    role: str  # e.g. 01.015 GP, 30.000 nurse, 00.000 for N/M/S cards
    agb: str
    ca_oid: str
    serial: str
    not_after: dt.datetime


def _ia5_string(der: bytes) -> str:
    """The IA5String inside otherName's value (DER: tag 0x16, length, bytes)."""
    if len(der) < 2 or der[0] != 0x16:
        raise ValueError("not an IA5String")
    length, offset = der[1], 2
    if length & 0x80:  # long form
        count = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    value = der[offset : offset + length]
    if len(value) != length:
        raise ValueError("truncated IA5String")
    return value.decode("ascii")


def trusted_cas() -> list[x509.Certificate]:
    path = settings.UZI_CA_CERTS_FILE
    if not path:
        return []
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


def certificate_from_header(value: str) -> x509.Certificate:
    """nginx's $ssl_client_escaped_cert: the PEM, URL-encoded."""
    try:
        return x509.load_pem_x509_certificate(unquote(value).encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise UziCardRefused("malformed", _("The card's certificate cannot be read.")) from exc


def read_card(
    certificate: x509.Certificate,
    *,
    now: dt.datetime,
    cas: list[x509.Certificate],
) -> UziCard:
    _check_issuer(certificate, cas)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise UziCardRefused(
            "expired",
            _("The card's certificate is not valid now (valid until %(date)s).")
            % {"date": certificate.not_valid_after_utc.date().isoformat()},
        )
    text = _uzi_string(certificate)
    match = UZI_STRING.fullmatch(text)
    if not match:
        raise UziCardRefused("malformed_san", _("The card's UZI details cannot be read."))
    ca, card = match["ca"], match["card"]
    if not ca.startswith(CA_OID_PREFIX) or CARD_TYPE_BY_CA_ARC.get(ca.rsplit(".", 1)[1]) != card:
        raise UziCardRefused("malformed_san", _("The card type does not match its CA."))
    return UziCard(
        uzi_number=match["uzi"],
        card_type=card,
        subscriber=match["subscriber"],
        role=match["role"],
        agb=match["agb"],
        ca_oid=ca,
        serial=format(certificate.serial_number, "x"),
        not_after=certificate.not_valid_after_utc,
    )


def _check_issuer(certificate: x509.Certificate, cas: list[x509.Certificate]) -> None:
    for ca in cas:
        if ca.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise UziCardRefused("untrusted", _("The card was not issued by a trusted UZI CA."))


def _uzi_string(certificate: x509.Certificate) -> str:
    try:
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.OtherName)
        (uzi,) = [name for name in names if name.type_id == UZI_OTHER_NAME]
        return _ia5_string(uzi.value)
    except (x509.ExtensionNotFound, ValueError, UnicodeDecodeError) as exc:
        raise UziCardRefused("malformed_san", _("The card's UZI details cannot be read.")) from exc
