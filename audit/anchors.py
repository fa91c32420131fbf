"""The ledger's heads outside the database, timestamped by an RFC 3161 authority (issue 16).

A checkpoint row (audit.models.LedgerCheckpoint) catches a chain rebuilt or cut off after it
— unless whoever rebuilds the chain deletes the checkpoints too, as a database superuser
can. So each checkpoint's head (its seq and hash) is also sent to a timestamping authority
(TSA, `LEDGER_TSA_URL`), whose signed answer proves that this head existed at that time,
and the answer is written as a file of its own in `LEDGER_ANCHOR_DIR`, outside the
database: `<seq, 12 digits>-<hash>.tsr`, never overwritten. `audit_verify` reads every such
file, checks its signature against the authority's certificate and its message against its
name, and walks the chain against those heads (audit.verification.ledger_verify): a chain
rebuilt after a timestamped head, or cut off before it, is reported whatever the database
holds. The reports print the heads too (docs/ledger.md, "Proof outside the database").

The timestamped message is `anchor_message(seq, hash)`; its SHA-256 is what the authority
signs. Where no authority is configured nothing is timestamped and the checkpoints work
as before.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
from cryptography import x509
from django.conf import settings
from rfc3161_client import (
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

ANCHOR_NAME = re.compile(r"^(\d{12})-([0-9a-f]{64})\.tsr$")
TSA_TIMEOUT_SECONDS = 30


class TimestampError(Exception):
    """The authority could not be reached, refused, or answered with something that does not
    prove the head (wrong message, nonce or signature)."""


@dataclass(frozen=True)
class Anchor:
    """A head proven by a timestamp file: the event `seq` had `hash` at `timestamped_at`."""

    seq: int
    hash: str
    timestamped_at: dt.datetime
    name: str  # the file's name

    def describe(self) -> str:
        return f"timestamped at {self.timestamped_at:%Y-%m-%d %H:%M:%S} UTC ({self.name})"


def anchor_message(seq: int, head_hash: str) -> bytes:
    """What the authority timestamps for a head: the ledger's name, the seq and the hash."""
    return f"spoedinzage ledger head\nseq {seq}\nsha256 {head_hash}\n".encode()


def tsa_configured() -> bool:
    return bool(settings.LEDGER_TSA_URL)


@cache
def _certificates(path: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))


def _verifier(request=None):
    """The authority's signing certificate (`LEDGER_TSA_CERTIFICATE`) and the roots it
    chains to (`LEDGER_TSA_ROOTS`); with the request, its nonce is checked too."""
    if not settings.LEDGER_TSA_CERTIFICATE or not settings.LEDGER_TSA_ROOTS:
        raise TimestampError(
            "LEDGER_TSA_CERTIFICATE and LEDGER_TSA_ROOTS must name the authority's PEM files"
        )
    builder = VerifierBuilder.from_request(request) if request is not None else VerifierBuilder()
    builder = builder.tsa_certificate(_certificates(settings.LEDGER_TSA_CERTIFICATE)[0])
    for root in _certificates(settings.LEDGER_TSA_ROOTS):
        builder = builder.add_root_certificate(root)
    return builder.build()


def head_timestamp(seq: int, head_hash: str) -> bytes:
    """The authority's answer (DER) for this head, checked: granted, signed by the configured
    authority, over this head's message, with our nonce."""
    message = anchor_message(seq, head_hash)
    request = TimestampRequestBuilder().data(message).nonce(nonce=True).build()
    try:
        answer = httpx.post(
            settings.LEDGER_TSA_URL,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=TSA_TIMEOUT_SECONDS,
        )
        answer.raise_for_status()
    except httpx.HTTPError as error:
        raise TimestampError(f"the timestamping authority did not answer: {error}") from error
    try:
        response = decode_timestamp_response(answer.content)
    except ValueError as error:
        raise TimestampError(f"the authority's answer is not a timestamp: {error}") from error
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the authority refused: status {response.status}")
    try:
        _verifier(request).verify_message(response, message)
    except VerificationError as error:
        raise TimestampError(f"the authority's answer does not verify: {error}") from error
    return answer.content


def anchor_write(seq: int, head_hash: str, token: bytes) -> Path:
    """The authority's answer as a file of its own, never overwritten, flushed to disk."""
    directory = Path(settings.LEDGER_ANCHOR_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{seq:012d}-{head_hash}.tsr"
    with open(path, "xb") as file:
        file.write(token)
        file.flush()
        os.fsync(file.fileno())
    return path


def anchors_read() -> tuple[list[Anchor], list[str]]:
    """Every timestamp file, checked: (the heads they prove, in seq order; a problem per file
    that proves nothing — not ours by its name, not a timestamp, or not signed by the
    authority over the head its name gives). No files, or no directory: nothing to check."""
    directory = Path(settings.LEDGER_ANCHOR_DIR)
    if not directory.is_dir():
        return [], []
    anchors, problems = [], []
    for path in sorted(directory.iterdir()):
        named = ANCHOR_NAME.match(path.name)
        if named is None:
            problems.append(f"{path.name}: not a ledger timestamp file (<seq>-<sha256>.tsr)")
            continue
        seq, head_hash = int(named[1]), named[2]
        try:
            response = decode_timestamp_response(path.read_bytes())
            _verifier().verify_message(response, anchor_message(seq, head_hash))
        except (ValueError, VerificationError, TimestampError) as error:
            problems.append(f"{path.name}: the timestamp does not prove this head: {error}")
            continue
        at = response.tst_info.gen_time
        anchors.append(Anchor(seq, head_hash, at.astimezone(dt.UTC), path.name))
    return anchors, problems
