"""Bad input to the API: a 400 that names each bad field (and row), and nothing written."""

import json

import pytest

from tests.registry.api_helpers import (
    BATCH,
    BLANK,
    CONSENTED,
    LOOKUP,
    TOMORROW,
    post,
    row,
    written,
)

pytestmark = pytest.mark.django_db


def fields_named(response) -> list[tuple[int | None, str | None]]:
    return [(error["index"], error["field"]) for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        # Malformed JSON, and JSON that is not what a batch is.
        (b'{"registrations": [', [(None, None)]),
        (b'{"registrations": [{"bsn": NaN}]}', [(None, None)]),
        (b'{"note": "\\ud800"}', [(None, None)]),  # a lone surrogate: not storable
        (b"[]", [(None, None)]),
        ({}, [(None, "registrations")]),
        ({"registrations": {}}, [(None, "registrations")]),
        ({"registrations": []}, [(None, "registrations")]),
        # Unknown fields are refused, not ignored.
        ({"registrations": [row()], "dry_run": True}, [(None, "dry_run")]),
        ({"registrations": [row(colour="red")]}, [(0, "colour")]),
        # Each field of a row.
        ({"registrations": [row("999911121")]}, [(0, "bsn")]),  # fails the 11-test
        ({"registrations": [row(999911132)]}, [(0, "bsn")]),  # a number, not a string
        ({"registrations": [row("99991113")]}, [(0, "bsn")]),
        ({"registrations": [row("٩٩٩٩١١١٣٢")]}, [(0, "bsn")]),  # other scripts' digits
        ({"registrations": [row(birth_date=TOMORROW)]}, [(0, "birth_date")]),
        ({"registrations": [row(birth_date="03-02-1950")]}, [(0, "birth_date")]),
        ({"registrations": [row(birth_date="1950-02-30")]}, [(0, "birth_date")]),
        ({"registrations": [row(birth_date="1850-02-03")]}, [(0, "birth_date")]),
        ({"registrations": [row(scope="ambulance")]}, [(0, "scope")]),
        ({"registrations": [row(scope="HAP")]}, [(0, "scope")]),
        ({"registrations": [row(decision="maybe")]}, [(0, "decision")]),
        ({"registrations": [row(registered_at="2099-01-01T00:00:00Z")]}, [(0, "registered_at")]),
        ({"registrations": [row(registered_at="2026-01-01T10:00:00")]}, [(0, "registered_at")]),
        (
            {"registrations": [row(registered_at="0001-01-01T00:30:00+01:00")]},
            [(0, "registered_at")],
        ),
        ({"registrations": [row(by_representative="yes")]}, [(0, "by_representative")]),
        ({"registrations": [row(by_representative=1)]}, [(0, "by_representative")]),
        ({"registrations": [row(note="x" * 501)]}, [(0, "note")]),
        ({"registrations": [row(note="a\x00b")]}, [(0, "note")]),
        ({"registrations": [row(note=None)]}, [(0, "note")]),
        ({"registrations": [{"bsn": BLANK}]}, [(0, "birth_date"), (0, "scope"), (0, "decision")]),
        ({"registrations": [row(), "not a row"]}, [(1, None)]),
        # The same patient and scope twice: both rows named.
        (
            {"registrations": [row(BLANK), row(CONSENTED), row(BLANK, decision="refusal")]},
            [(0, "scope"), (2, "scope")],
        ),
        # Several bad rows at once: each named, in order.
        (
            {"registrations": [row(scope="x"), row(CONSENTED), row(decision="y", bsn="1")]},
            [(0, "scope"), (2, "bsn"), (2, "decision")],
        ),
    ],
)
def test_a_bad_batch_is_a_400_naming_each_field_and_writes_nothing(
    client, patients, key_a, body, named
):
    before = written()
    response = post(client, BATCH, body, key=key_a)
    assert response.status_code == 400, response.content
    assert fields_named(response) == named
    assert all(error["message"] for error in response.json()["errors"])
    assert written() == before


def test_a_batch_of_more_than_5000_rows_is_refused_unread(client, patients, key_a):
    before = written()
    rows = [row(BLANK, note=str(i)) for i in range(5001)]  # all the same patient: not looked at
    response = post(client, BATCH, {"registrations": rows}, key=key_a)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": None,
            "field": "registrations",
            "message": "At most 5000 registrations per batch; this one has 5001.",
        }
    ]
    assert written() == before


def test_an_oversized_body_is_refused_unread(client, patients, key_a, settings):
    settings.API_MAX_BODY_BYTES = 1_000
    before = written()
    body = {"registrations": [row(note="x" * 400), row(CONSENTED, note="y" * 400), row(note="z")]}
    response = post(client, BATCH, body, key=key_a)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": None, "field": None, "message": "The body is larger than 1000 bytes."}
    ]
    assert written() == before


@pytest.mark.parametrize(
    ("idempotency_key", "message"),
    [(None, "This header is required."), ("with space", "Must be 1 to 255 visible ASCII")],
)
def test_a_batch_needs_a_proper_idempotency_key(client, patients, key_a, idempotency_key, message):
    before = written()
    response = post(
        client, BATCH, {"registrations": [row()]}, key=key_a, idempotency_key=idempotency_key
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "Idempotency-Key" and error["message"].startswith(message)
    assert written() == before


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"{", [None]),
        ({"bsn": BLANK}, ["birth_date"]),
        ({"bsn": BLANK, "birth_date": "1950-02-03", "name": "Visser"}, ["name"]),
        ({"bsn": "123456789", "birth_date": "1950-02-03"}, ["bsn"]),
        ({"bsn": BLANK, "birth_date": TOMORROW}, ["birth_date"]),
        ([BLANK], [None]),
    ],
)
def test_a_bad_lookup_is_a_400_naming_the_field_and_writes_nothing(
    client, patients, key_a, body, named
):
    before = written()
    response = post(client, LOOKUP, body, key=key_a)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == named
    assert written() == before


def test_a_body_with_a_charset_is_json_too(client, patients, key_a):
    response = client.post(
        LOOKUP,
        data=json.dumps({"bsn": BLANK, "birth_date": "1950-02-03"}),
        content_type="application/json; charset=utf-8",
        HTTP_AUTHORIZATION=f"Api-Key {key_a}",
    )
    assert response.status_code == 200
