"""consent/sql.py: each SQL fragment gives what the ORM query it stands for gives."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audit.actors import Actor
from audit.identifiers import bsn_is_valid
from consent.models import Decision, Scope, Source
from consent.selectors import refused_among, registered_state
from consent.services import consent_register
from consent.sql import current_decision_params, current_decision_sql, refusal_registered_sql

pytestmark = pytest.mark.django_db

C, R, B = Decision.CONSENT, Decision.REFUSAL, Decision.BLANK
HAP, SEH, BOTH = Scope.HAP, Scope.SEH, Scope.BOTH

# Each patient's history, oldest first: (scope, decision).
HISTORIES = [
    [],
    [(HAP, C)],
    [(BOTH, C), (SEH, R)],
    [(HAP, R), (HAP, B)],
    [(SEH, C), (BOTH, C)],
    [(HAP, C), (BOTH, R)],
    [(HAP, R), (HAP, C)],
    [(BOTH, R), (BOTH, B), (SEH, C)],
]


def _bsns(count):
    numbers = (f"{n:09d}" for n in range(999_911_000, 999_999_999))
    return [n for n in numbers if bsn_is_valid(n)][:count]


@pytest.fixture
def registry():
    start = timezone.now() - dt.timedelta(days=30)
    bsns = _bsns(len(HISTORIES))
    for bsn, history in zip(bsns, HISTORIES, strict=True):
        for day, (scope, decision) in enumerate(history):
            consent_register(
                patient_bsn=bsn,
                scope=scope,
                decision=decision,
                source=Source.GP_PRACTICE,
                actor=Actor.system("test"),
                at=start + dt.timedelta(days=day),
            )
    return bsns


def _sql(fragment, params):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fragment}", params)  # noqa: S608 (our SQL only)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("scope", [HAP, SEH])
def test_current_decision_sql_agrees_with_registered_state(registry, scope):
    by_sql = [
        _sql(current_decision_sql("%s"), [bsn, *current_decision_params(scope)]) or "blank"
        for bsn in registry
    ]
    by_orm = [registered_state(patient_bsn=bsn, requester_scope=scope) for bsn in registry]
    assert by_sql == by_orm
    # The cases that tell the rules apart: a refusal in one scope, withdrawal, the latest.
    expected = {HAP: [B, C, C, B, C, R, C, B], SEH: [B, B, R, B, C, R, B, C]}[scope]
    assert by_orm == expected


def test_refusal_registered_sql_agrees_with_refused_among(registry):
    by_sql = {bsn for bsn in registry if _sql(refusal_registered_sql("%s"), [bsn])}
    assert by_sql == refused_among(registry)
    assert by_sql == {registry[2], registry[5]}
