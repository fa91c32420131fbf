"""The canonical form of an event, whole and in the parts the database joins."""

import datetime as dt
import functools
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.chain import (
    HASHED_FIELDS,
    canonical_bytes,
    canonical_dumps,
    canonical_dumps_fast,
    canonical_parts,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
TEXT_FIELDS = [name for name in HASHED_FIELDS if name not in ("seq", "detail", "occurred_at")]


@given(
    texts=st.fixed_dictionaries({name: st.text(max_size=20) for name in TEXT_FIELDS}),
    detail=st.dictionaries(st.text(max_size=12), json_values, max_size=5),
    seq=st.integers(1, 10**12),
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    occurred_at=st.datetimes(timezones=st.just(dt.UTC)),
)
def test_the_parts_joined_with_seq_and_prev_hash_are_the_canonical_form(
    texts, detail, seq, prev_hash, occurred_at
):
    fields = {
        **texts,
        "event_id": uuid.UUID(int=seq),
        "occurred_at": occurred_at,
        "detail": detail,
        "seq": seq,
        "prev_hash": prev_hash,
    }
    head, middle, tail = canonical_parts({**fields, "seq": None, "prev_hash": None})
    assert (head + prev_hash + middle + str(seq) + tail).encode() == canonical_bytes(fields)


@given(value=json_values)
def test_the_fast_canonical_json_is_the_canonical_json(value):
    """The ledger's bulk append hashes what orjson writes (canonical_dumps_fast): it must be
    byte for byte what canonical_dumps writes, or the chain would not verify."""
    assert canonical_dumps_fast(value) == canonical_dumps(value).encode("utf-8")


def test_the_fast_canonical_json_writes_every_code_point_as_json_dumps_does():
    # Control characters, quotes, backslashes, U+2028, non-BMP: every code point but the
    # surrogates, in strings and in keys (sorted by code point, as json.dumps sorts them).
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 4096):
        chunk = points[start : start + 4096]
        value = {"".join(chunk): "".join(chunk), **{c: c for c in chunk[:300]}}
        assert canonical_dumps_fast(value) == canonical_dumps(value).encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**64},
        {"when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        {"text": "\ud800"},
        {"deep": functools.reduce(lambda inner, _: [inner], range(300), [])},
    ],
)
def test_the_fast_canonical_json_refuses_what_it_would_write_differently(value):
    """Where orjson would not write what json.dumps writes (or json.dumps refuses), it
    raises TypeError, and audit.services._link falls back to audit.chain.event_hash."""
    with pytest.raises(TypeError):
        canonical_dumps_fast(value)
