"""The search form reads what people and browsers send, and says what is wrong."""

import datetime as dt

import pytest
from django.utils import translation

from portal.forms import PatientSearchForm as SearchForm


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1950-02-03", dt.date(1950, 2, 3)),  # a date input (ISO)
        (" 1950-02-03 ", dt.date(1950, 2, 3)),
        ("03-02-1950", dt.date(1950, 2, 3)),  # typed the Dutch way
        ("03/02/1950", dt.date(1950, 2, 3)),
        ("10-02-03", dt.date(2003, 2, 10)),  # Dutch, two-digit year: not year 10
    ],
)
def test_the_birth_date_is_read_as_sent(typed, expected):
    form = SearchForm({"bsn": "999911120", "birth_date": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == expected


@pytest.mark.parametrize("typed", ["1950-02-30", "1950-13-01", "gisteren", ""])
def test_a_date_that_is_no_date_is_refused_at_the_field(typed):
    form = SearchForm({"bsn": "999911120", "birth_date": typed})
    assert not form.is_valid()
    assert list(form.errors) == ["birth_date"]


def test_point_of_care_form_ignores_the_fields_of_another_answer():
    """Without JavaScript every field shows: what belongs to another answer is not recorded."""
    from triage.forms import PointOfCareForm

    form = PointOfCareForm(
        {
            "answer": "agrees",
            "emergency_reason": "unconscious",
            "emergency_text": "typed first",
            "representative": "moeder",  # the box "by a representative" was not ticked
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["emergency_reason"] == ""
    assert form.cleaned_data["emergency_text"] == ""
    assert form.cleaned_data["representative"] == ""

    nobody_answered = PointOfCareForm(
        {
            "answer": "cannot_consent",
            "emergency_reason": "unconscious",
            "by_representative": "on",
            "register_lasting": "on",
        }
    )
    assert nobody_answered.is_valid(), nobody_answered.errors
    assert not nobody_answered.cleaned_data["by_representative"]
    assert not nobody_answered.cleaned_data["register_lasting"]


def test_point_of_care_form_untouched_is_not_flagged_and_focuses_the_first_choice():
    from triage.forms import PointOfCareForm

    form = PointOfCareForm()
    html = str(form["answer"])
    assert " required" not in html  # the design system rings a required, empty radio red
    assert form.focus == "answer"
    refused = PointOfCareForm({"answer": "cannot_consent"})
    assert not refused.is_valid()
    assert refused.focus == "emergency_reason"
    assert PointOfCareForm({}).errors["answer"] == ["Kies wat de patiënt zei."]
