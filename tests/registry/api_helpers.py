"""Fixtures and helpers of the API's tests: practices, their keys, BSNs that pass the 11-test."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from audit.identifiers import bsn_is_valid
from audit.models import AccessEvent
from consent.models import ConsentRegistration
from registry.models import IdempotencyKey, PracticeAPIKey
from summaries.models import Enrolment, GpPractice, Summary
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED  # noqa: F401 - re-exported

BATCH = "/api/v1/registrations/batch"
LOOKUP = "/api/v1/patients/lookup"
OTHER_PRACTICE_PATIENT = "999911156"  # enrolled with practice B
UNKNOWN = "999911168"  # passes the 11-test, known nowhere


def bsns(count: int, start: int = 100_000_000) -> list[str]:
    """`count` distinct BSNs that pass the 11-test."""
    found = (f"{n:09d}" for n in itertools.count(start))
    return list(itertools.islice((b for b in found if bsn_is_valid(b)), count))


def forget_throttles() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match="*api:throttle:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _throttles_forgotten():
    forget_throttles()
    yield
    forget_throttles()


@pytest.fixture
def practice_b(db):
    practice = GpPractice.objects.create(
        agb="01200000",
        ura="92000001",
        name="Praktijk Noord",
        fhir_base_url="http://gp-b.example/fhir",
        token="t",
    )
    Enrolment.objects.create(bsn=OTHER_PRACTICE_PATIENT, practice=practice, since=timezone.now())
    return practice


@pytest.fixture
def key_a(patients):
    """An API key of practice A (the fixtures' practice, AGB 01100000), as issued."""
    _api_key, key = PracticeAPIKey.objects.create_key(name="HIS Zuid", practice=patients)
    return key


@pytest.fixture
def key_b(practice_b):
    _api_key, key = PracticeAPIKey.objects.create_key(name="HIS Noord", practice=practice_b)
    return key


def post(
    client, path: str, body, *, key: str | None, idempotency_key: str | None = "auto", **extra
):
    headers = dict(extra)
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    if idempotency_key == "auto":
        idempotency_key = str(uuid.uuid4())
    if idempotency_key is not None and path == BATCH:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def row(bsn: str = BLANK, **fields) -> dict:
    return {
        "bsn": bsn,
        "birth_date": BIRTH.isoformat(),
        "scope": "both",
        "decision": "consent",
        **fields,
    }


def written() -> tuple[int, int, int, int]:
    """What a refused call must leave as it was: registrations, ledger events,
    idempotency keys, summaries."""
    return (
        ConsentRegistration.objects.count(),
        AccessEvent.objects.count(),
        IdempotencyKey.objects.count(),
        Summary.objects.count(),
    )


def enrol(practice: GpPractice, numbers: list[str]) -> None:
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [Enrolment(bsn=number, practice=practice, since=now) for number in numbers]
    )


TOMORROW = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
