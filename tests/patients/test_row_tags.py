"""The patient's page's tables are built in Python (patients/templatetags/patient_rows.py):
the same markup the template language wrote for them before (the loops below, kept as the
reference), every value escaped, in Dutch and in English."""

import datetime as dt

import pytest
from django.template import engines
from django.test.html import parse_html
from django.utils import translation

from consent.models import ConsentRegistration, Decision, Scope, Source
from patients.selectors import LogRow, Review
from patients.templatetags.patient_rows import access_log_rows, own_history_rows

AT = dt.datetime(2026, 11, 27, 2, 12, tzinfo=dt.UTC)

LOG_LOOP = """{% load i18n triage %}{% for row in rows %}
    <tr class="utrecht-table__row">
      <td class="utrecht-table__cell">{{ row.at|day_month_time }}</td>
      <td class="utrecht-table__cell">{% if row.organisation %}<strong>{{ row.organisation }}</strong><br>{% endif %}{{ row.person }}{% if row.role %} <span class="muted">({{ row.role|lower }})</span>{% endif %}{% if row.responsible %}<br><span class="muted">{% blocktranslate with name=row.responsible %}responsible: {{ name }}{% endblocktranslate %}</span>{% endif %}</td>
      <td class="utrecht-table__cell">{{ row.what }}</td>
      <td class="utrecht-table__cell">{{ row.basis|default:"—" }}</td>
      <td class="utrecht-table__cell">{% if row.review == "reviewed" %}{% translate "Yes, checked" %}{% elif row.review == "pending" %}{% translate "Not yet: it will be" %}{% else %}—{% endif %}</td>
    </tr>
{% endfor %}"""  # noqa: E501 - the template's lines as they were

HISTORY_LOOP = """{% load triage %}{% for registration in history %}
    <tr class="utrecht-table__row">
      <td class="utrecht-table__cell">{{ registration.registered_at|day_month_time }}</td>
      <td class="utrecht-table__cell">{{ registration.get_decision_display }}</td>
      <td class="utrecht-table__cell">{{ registration.get_scope_display }}</td>
      <td class="utrecht-table__cell">{{ registration.get_source_display }}{% if registration.organisation_name %} ({{ registration.organisation_name }}){% endif %}</td>
    </tr>
{% endfor %}"""  # noqa: E501 - the template's lines as they were


def row(**changes) -> LogRow:
    fields = {
        "seq": 1,
        "at": AT,
        "what": "Las de samenvatting",
        "organisation": "HAP <Stad> & Co",
        "role": "Triagist",
        "person": 'Sanne "de" Vries',
        "responsible": "",
        "basis": "Geregistreerde toestemming",
        "review": Review.NONE,
    }
    return LogRow(**{**fields, **changes})


ROWS = [
    row(),
    row(organisation="", role="", person="u", basis=""),
    row(responsible="Dr. <b>Jansen</b>", review=Review.PENDING),
    row(review=Review.REVIEWED, what="Keek <script>"),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_log_rows_are_what_the_template_wrote(language):
    with translation.override(language):
        expected = engines["django"].from_string(LOG_LOOP).render({"rows": ROWS})
        assert parse_html(access_log_rows(ROWS)) == parse_html(expected)
    assert "<script>" not in access_log_rows(ROWS) and "<b>" not in access_log_rows(ROWS)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_history_rows_are_what_the_template_wrote(language):
    history = [
        ConsentRegistration(
            registered_at=AT,
            decision=Decision.REFUSAL,
            scope=Scope.BOTH,
            source=Source.GP_PRACTICE,
            organisation_name="Praktijk <Zuid>",
        ),
        ConsentRegistration(
            registered_at=AT, decision=Decision.CONSENT, scope=Scope.HAP, source=Source.PATIENT
        ),
    ]
    with translation.override(language):
        expected = engines["django"].from_string(HISTORY_LOOP).render({"history": history})
        assert parse_html(own_history_rows(history)) == parse_html(expected)


def test_no_rows_is_an_empty_string():
    assert access_log_rows([]) == "" and own_history_rows([]) == ""
