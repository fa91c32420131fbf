"""Who a new patient account belongs to: the one place that establishes a patient's BSN.

Today the proof is the activation code their GP practice printed for them, with their birth
date (ActivationCodeIdentity). A DigiD connection can take its place: a class with the same
`establish` that reads the BSN from DigiD's SAML assertion instead, named in the setting
PATIENT_IDENTITY (docs/identity.md, "Patients"). Nothing else in the portal decides whose
account it is; everything after (the log, the choice) reads PatientAccount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from registry.activation import code_hash
from registry.models import ActivationCode

# Wrong birth dates with one code before the code ends: the code is the secret, the birth
# date a check that the letter reached the right person.
ATTEMPTS_PER_CODE = 5


class IdentityNotEstablished(Exception):
    """The proof did not establish who the patient is; `reason` is for the ledger only
    (the page says the same thing for every reason: no hint what was wrong)."""

    def __init__(self, reason: str, code_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code_id = code_id


@dataclass(frozen=True)
class EstablishedIdentity:
    bsn: str
    birth_date: dt.date
    established_by: str


class PatientIdentity(Protocol):
    name: str

    def establish(self, **proof) -> EstablishedIdentity:
        """Inside the transaction that opens the account: the proof is used up with it."""

    def refused(self, refusal: IdentityNotEstablished) -> None:
        """After a refusal, in a transaction of its own (counts the attempt)."""


class ActivationCodeIdentity:
    """The code from the GP practice's letter and the patient's birth date."""

    name = "activation_code"

    def establish(self, *, code: str, birth_date: dt.date) -> EstablishedIdentity:
        found = ActivationCode.objects.select_for_update().filter(code_hash=code_hash(code)).first()
        if found is None:
            raise IdentityNotEstablished("unknown code")
        if found.ended_at is not None:
            raise IdentityNotEstablished(f"code ended: {found.ended}", found.pk)
        if found.expires_at <= timezone.now():
            raise IdentityNotEstablished("code expired", found.pk)
        if found.birth_date != birth_date:
            raise IdentityNotEstablished("birth date differs", found.pk)
        found.ended_at, found.ended = timezone.now(), ActivationCode.Ended.USED
        found.save(update_fields=["ended_at", "ended"])
        return EstablishedIdentity(
            bsn=found.patient_bsn, birth_date=found.birth_date, established_by=self.name
        )

    def refused(self, refusal: IdentityNotEstablished) -> None:
        if refusal.reason != "birth date differs":
            return
        ActivationCode.objects.filter(pk=refusal.code_id).update(attempts=F("attempts") + 1)
        ActivationCode.objects.filter(
            pk=refusal.code_id, attempts__gte=ATTEMPTS_PER_CODE, ended_at__isnull=True
        ).update(ended_at=timezone.now(), ended=ActivationCode.Ended.TOO_MANY_ATTEMPTS)


def patient_identity() -> PatientIdentity:
    return import_string(settings.PATIENT_IDENTITY)()
