"""The GP patient page's long tables are built in Python (registry/templatetags/registry_rows.py):
every value escaped, the emergency basis in bold, the representative named."""

import datetime as dt

from django.utils import translation

from registry.selectors import Consultation, RegistrationRow
from registry.templatetags.registry_rows import consultation_rows, history_rows

AT = dt.datetime(2026, 11, 27, 2, 12, tzinfo=dt.UTC)


def test_consultation_rows_escape_every_value_and_bold_an_emergency():
    html = consultation_rows(
        [
            Consultation(
                at=AT, organisation="<HAP & Co>", role="Nurse", basis="Consent", emergency=False
            ),
            Consultation(
                at=AT, organisation="SEH", role='Doc"tor', basis="Emergency", emergency=True
            ),
        ]
    )
    assert "&lt;HAP &amp; Co&gt;" in html and "<HAP" not in html
    assert "Doc&quot;tor" in html
    assert '<td class="utrecht-table__cell"><strong>Emergency</strong></td>' in html
    assert '<td class="utrecht-table__cell">Consent</td>' in html
    assert html.count("<tr ") == 2
    # Dutch time, as the template filter shows it elsewhere: 03:12 in winter.
    assert "27 november 2026 03:12" in html  # the default language is Dutch


def test_history_rows_name_the_organisation_and_a_representative():
    row = RegistrationRow(
        registered_at=AT,
        decision="Refusal",
        scope="HAP",
        source="GP practice",
        registered_by="<b>dr. Jansen</b>",
        organisation="Praktijk Noord",
        by_representative=True,
    )
    with translation.override("nl"):
        html = history_rows([row])
    assert "&lt;b&gt;dr. Jansen&lt;/b&gt;, Praktijk Noord (via een vertegenwoordiger)" in html
    assert "<b>" not in html


def test_no_rows_is_an_empty_string():
    assert consultation_rows([]) == "" and history_rows([]) == ""
