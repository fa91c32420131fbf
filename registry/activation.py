"""Activation codes: a GP practice gives one of its own patients a one-time code, printed as
a letter, with which the patient opens their own account (patients.identity redeems it).

The code is the patient's proof of identity here, so it is treated like a password: only
its hash is kept, it works once, for ACTIVATION_CODE_DAYS, together with the patient's
birth date, and a new code for the same patient ends the earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import events
from portal.models import Membership
from registry.models import ActivationCode
from registry.selectors import OwnPatient, own_patient
from registry.services import gp_actor, not_own_patient

# No 0/O, 1/I/L, U: read aloud or typed from paper without doubt. 16 of 30 symbols: 78 bits,
# beyond guessing even if the hashes were stolen.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 16


def code_normalise(typed: str) -> str:
    """What the patient typed, as the code is hashed: capitals, without spaces or dashes."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def code_hash(typed: str) -> str:
    return hashlib.sha256(code_normalise(typed).encode()).hexdigest()


def _code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, on the letter; never stored
    expires_at: dt.datetime
    patient: OwnPatient


def activation_code_issue(*, membership: Membership, bsn: str, birth_date: dt.date) -> IssuedCode:
    """A new code for one of the practice's own patients (own_patient's rule; anyone else
    is refused as on the GP's other pages), ending their earlier unused codes."""
    actor = gp_actor(membership)
    patient = own_patient(membership=membership, bsn=bsn, birth_date=birth_date)
    if patient is None:
        raise not_own_patient()
    now = timezone.now()
    code = _code_new()
    expires_at = now + dt.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    with transaction.atomic():
        superseded = ActivationCode.objects.filter(patient_bsn=bsn, ended_at__isnull=True).update(
            ended_at=now, ended=ActivationCode.Ended.SUPERSEDED
        )
        ActivationCode.objects.create(
            practice=patient.practice,
            patient_bsn=bsn,
            birth_date=birth_date,
            code_hash=code_hash(code),
            issued_at=now,
            issued_by=membership.user.username,
            expires_at=expires_at,
        )
        events.activation_code_issued(
            actor=actor,
            patient_bsn=bsn,
            expires_at=expires_at.isoformat(),
            superseded=superseded,
        )
    return IssuedCode(code=code, expires_at=expires_at, patient=patient)
