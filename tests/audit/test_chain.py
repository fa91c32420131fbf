"""The canonical form of an event, whole and in the parts the database joins."""

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from audit.chain import HASHED_FIELDS, canonical_bytes, canonical_parts

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
