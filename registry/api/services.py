"""What the API does for a GP practice's system: register a batch once per idempotency key,
and read one of its patients' choices. Each checks that the patients are the practice's own
and writes the ledger events itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from audit import events
from audit.services import access_events_batched
from consent.models import Source
from registry.api.auth import PracticeSystem
from registry.api.rows import FieldError, InvalidInput, Patient, not_own_patient_message
from registry.api.selectors import PatientChoices, own_patients, patient_choices
from registry.batch import Choice, choices_register
from registry.models import IdempotencyKey
from summaries.models import Enrolment


class IdempotencyKeyReused(Exception):  # noqa: N818 - a refusal
    """The key was used before with another body."""


class ConcurrentRegistration(Exception):  # noqa: N818 - a refusal
    """Another registration for one of the batch's patients and scopes was made at the same
    moment; nothing of this batch was written, and it may be sent again as it is."""


class NotOwnPatient(Exception):  # noqa: N818 - a refusal
    """Unknown, another practice's, or a birth date that does not match: all alike."""


class _Strangers(Exception):  # noqa: N818 - raised inside the transaction, to roll it back
    def __init__(self, errors: list[FieldError], bsns: list[str]) -> None:
        self.errors, self.bsns = errors, bsns


@dataclass(frozen=True)
class BatchAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool  # the stored answer to an earlier call with the same key and body


def registration_batch_submit(
    *, system: PracticeSystem, idempotency_key: str, body_sha256: str, choices: list[Choice]
) -> BatchAnswer:
    """Register the batch, all or nothing, once per (practice, idempotency key).

    The same key with the same body gets the first answer again and writes nothing; with
    another body, IdempotencyKeyReused. A row about a patient who is not the practice's own
    makes the whole batch InvalidInput: nothing is registered, and each such patient is a
    ledger event of its own (a search that found nobody; _strangers_logged). Two calls
    with the same key at once: the second waits for the first's commit at the key's unique
    index, fails, and then gets the first's answer."""
    try:
        return _submit(
            system=system,
            idempotency_key=idempotency_key,
            body_sha256=body_sha256,
            choices=choices,
        )
    except _Strangers as strangers:
        _strangers_logged(system, strangers.bsns)
        raise InvalidInput(strangers.errors) from None
    except IntegrityError:
        # Rolled back. Either the same key was committed meanwhile (answer as a retry), or
        # another registration of one of these patients and scopes came first.
        earlier = _earlier_answer(system, idempotency_key, body_sha256)
        if earlier is None:
            raise ConcurrentRegistration() from None
        return earlier


@transaction.atomic
def _submit(
    *, system: PracticeSystem, idempotency_key: str, body_sha256: str, choices: list[Choice]
) -> BatchAnswer:
    earlier = _earlier_answer(system, idempotency_key, body_sha256)
    if earlier is not None:
        return earlier
    own = own_patients(
        practice=system.practice,
        patients=[(choice.patient_bsn, choice.patient_birth_date) for choice in choices],
    )
    strangers = [
        (index, choice.patient_bsn)
        for index, choice in enumerate(choices)
        if (choice.patient_bsn, choice.patient_birth_date) not in own
    ]
    if strangers:
        raise _Strangers(
            [FieldError("bsn", not_own_patient_message(), index) for index, _bsn in strangers],
            [bsn for _index, bsn in strangers],
        )
    registrations = choices_register(
        choices=choices, source=Source.GP_PRACTICE, actor=system.actor()
    )
    body = {
        "idempotency_key": idempotency_key,
        "registered": len(registrations),
        "registrations": [
            {
                "index": index,
                "id": registration.pk,
                "registered_at": registration.registered_at.isoformat(),
            }
            for index, registration in enumerate(registrations)
        ],
    }
    IdempotencyKey.objects.create(
        practice=system.practice,
        key=idempotency_key,
        request_sha256=body_sha256,
        status_code=201,
        response=body,
    )
    return BatchAnswer(status_code=201, body=body, replayed=False)


@transaction.atomic
def _strangers_logged(system: PracticeSystem, bsns: list[str]) -> None:
    """A batch naming patients who are not the practice's own registers nothing, but the
    asking is logged, per patient, as the lookup logs it: for the ledger's readers (misuse
    review) with whether each was another practice's patient."""
    actor = system.actor()
    elsewhere = set(
        Enrolment.objects.filter(bsn__in=bsns)
        .exclude(practice=system.practice)
        .values_list("bsn", flat=True)
    )
    with access_events_batched():
        for bsn in dict.fromkeys(bsns):
            events.registry_searched(
                actor=actor,
                patient_bsn=bsn,
                found=False,
                enrolled_elsewhere=bsn in elsewhere,
                page="api",
            )


def _earlier_answer(
    system: PracticeSystem, idempotency_key: str, body_sha256: str
) -> BatchAnswer | None:
    earlier = IdempotencyKey.objects.filter(practice=system.practice, key=idempotency_key).first()
    if earlier is None:
        return None
    if earlier.request_sha256 != body_sha256:
        raise IdempotencyKeyReused()
    return BatchAnswer(status_code=earlier.status_code, body=earlier.response, replayed=True)


def patient_lookup(*, system: PracticeSystem, patient: Patient) -> PatientChoices:
    """One of the practice's patients' choices, read after its ledger event (registry_viewed)
    in one transaction. Anyone else is NotOwnPatient, logged (committed, whatever the caller
    does next) as a search that found nobody, with — for the ledger's readers only — whether
    it was another practice's patient."""
    actor = system.actor()
    if not own_patients(practice=system.practice, patients=[(patient.bsn, patient.birth_date)]):
        events.registry_searched(
            actor=actor,
            patient_bsn=patient.bsn,
            found=False,
            enrolled_elsewhere=Enrolment.objects.filter(bsn=patient.bsn)
            .exclude(practice=system.practice)
            .exists(),
            page="api",
        )
        raise NotOwnPatient()
    with transaction.atomic():
        events.registry_viewed(actor=actor, patient_bsn=patient.bsn, consultations_shown=0)
        return patient_choices(bsn=patient.bsn, birth_date=patient.birth_date)
