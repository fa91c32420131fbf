"""The ledger search's rows are built in Python (oversight/templatetags/ledger_rows.py): every
value escaped, a failed outcome in bold, the role under the name, the username when the name
is empty."""

import datetime as dt

from oversight.ledger.selectors import LedgerRow
from oversight.templatetags.ledger_rows import ledger_rows


def row(**changes) -> LedgerRow:
    values = dict(
        seq=7,
        occurred_at=dt.datetime(2026, 11, 27, 2, 12, tzinfo=dt.UTC),
        local_time="27-11-2026 03:12:00",
        event_type="Summary viewed",
        user_name="Sanne Smit",
        username="sanne",
        role="Triage",
        patient_bsn="999911132",
        consent_basis="Registered consent",
        policy="",
        outcome="Succeeded",
        succeeded=True,
    )
    return LedgerRow(**{**values, **changes})


def test_every_value_is_escaped():
    html = ledger_rows([row(user_name="<script>x</script>", policy='Corona "Opt-in" & co')])
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Corona &quot;Opt-in&quot; &amp; co" in html


def test_a_failed_outcome_is_bold_and_a_role_sits_under_the_name():
    html = ledger_rows([row(outcome="Refused", succeeded=False)])
    assert '<td class="utrecht-table__cell"><strong>Refused</strong></td>' in html
    assert 'Sanne Smit<br><span class="muted">Triage</span>' in html
    assert 'data-seq="7"' in html


def test_the_username_stands_in_for_an_empty_name_and_no_role_no_line():
    html = ledger_rows([row(user_name="", role="")])
    assert '<td class="utrecht-table__cell">sanne</td>' in html
    assert "<br>" not in html


def test_no_rows_no_html():
    assert ledger_rows([]) == ""


def test_a_value_that_repeats_is_escaped_once_and_kept():
    from oversight.templatetags.ledger_rows import escape

    ledger_rows([row(user_name="Kept <Name>")])
    before = escape.cache_info()
    html = ledger_rows([row(user_name="Kept <Name>", seq=n) for n in range(5)])
    after = escape.cache_info()
    assert html.count("Kept &lt;Name&gt;") == 5  # still escaped, in every row
    assert after.misses == before.misses  # every value of these rows was seen before
    assert after.hits - before.hits == 5 * 8  # the row's eight escaped values, five times
