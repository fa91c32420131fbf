"""A test UZI CA and UZI-pas certificates, made with `cryptography` for each test run."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_OID = {
    "Z": "2.16.528.1.1003.1.3.5.5.2",
    "N": "2.16.528.1.1003.1.3.5.5.3",
    "M": "2.16.528.1.1003.1.3.5.5.4",
    "S": "2.16.528.1.1003.1.3.5.5.5",
}
NOW = dt.datetime.now(dt.UTC)


class TestCA:
    __test__ = False

    def __init__(self, name: str = "TEST UZI-register Zorgverlener CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=365))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def card(
        self,
        *,
        card_type: str = "Z",
        uzi: str = "900000011",
        subscriber: str = "90000101",
        role: str = "30.000",
        agb: str = "00000000",
        uzi_string: str | None = None,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
        with_san: bool = True,
    ) -> x509.Certificate:
        text = uzi_string or f"{CA_OID[card_type]}-1-{uzi}-{card_type}-{subscriber}-{role}-{agb}"
        # otherName's value: the DER of an IA5String.
        der = bytes([0x16, len(text)]) + text.encode("ascii")
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "S. de Vries")]))
            .issuer_name(self.name)
            .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or NOW - dt.timedelta(days=30))
            .not_valid_after(valid_until or NOW + dt.timedelta(days=365))
        )
        if with_san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.OtherName(x509.ObjectIdentifier("2.5.5.5"), der)]
                ),
                critical=False,
            )
        return builder.sign(self.key, hashes.SHA256())


def as_header(certificate: x509.Certificate) -> str:
    """What nginx sends as $ssl_client_escaped_cert: the PEM, URL-encoded."""
    return quote(certificate.public_bytes(serialization.Encoding.PEM).decode())
