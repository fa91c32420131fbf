"""Dutch identifiers: BSNs that pass the 11-test and are unique within a run."""

from __future__ import annotations

import hashlib

# BSN bodies are 7 free digits (first one non-zero) + 1 digit chosen so a check digit exists.
_BODIES = 9_000_000
_SPREAD = 7_654_321  # coprime with _BODIES, so n -> n * _SPREAD mod _BODIES is a bijection
MAX_PATIENTS = _BODIES


def bsn_for(seed: int, n: int) -> str:
    """The BSN of the n-th patient of a run (n < MAX_PATIENTS); distinct n give distinct BSNs.

    The patient number is scrambled with a seed-dependent offset so BSNs look random and
    differ between seeds, then the 8th digit is picked so that the 11-test has a check digit
    (weights 2*d8 take 10 distinct residues mod 11, so at most one of them fails).
    """
    if not 0 <= n < _BODIES:
        raise ValueError(f"patient number {n} out of range")
    offset = int.from_bytes(hashlib.sha256(f"bsn:{seed}".encode()).digest()[:8]) % _BODIES
    body = f"{1_000_000 + (n * _SPREAD + offset) % _BODIES:07d}"
    partial = sum(int(d) * w for d, w in zip(body, range(9, 2, -1), strict=True))
    start = n % 10  # vary the 8th digit instead of always taking the first that works
    for step in range(10):
        d8 = (start + step) % 10
        check = (partial + 2 * d8) % 11
        if check <= 9:
            return f"{body}{d8}{check}"
    raise AssertionError("unreachable: some 8th digit always yields a check digit")


def invalid_bsn(bsn: str) -> str:
    """The same BSN with its check digit changed, so it fails the 11-test."""
    return bsn[:8] + str((int(bsn[8]) + 1) % 10)
