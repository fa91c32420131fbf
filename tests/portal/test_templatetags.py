"""The display helpers of the summary page give what Django's own tags and filters give."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from portal.templatetags.triage import fixed_url


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 27, 2, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC),  # the night summer time starts
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),  # and ends
        dt.datetime(2027, 5, 1, 23, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
    ],
)
def test_day_month_time_is_the_date_filter_for_j_f_y_h_i(moment, language):
    context = Context({"moment": moment})
    with translation.override(language), timezone.override("Europe/Amsterdam"):
        django_date = Template('{{ moment|date:"j F Y H:i" }}').render(context)
        ours = Template("{% load triage %}{{ moment|day_month_time }}").render(context)
    assert ours == django_date


def test_fixed_url_is_the_reversed_url_under_each_prefix():
    assert fixed_url("triage_search") == reverse("triage_search")
    try:
        set_script_prefix("/spoed/")
        assert fixed_url("triage_search") == reverse("triage_search")
        assert fixed_url("triage_search").startswith("/spoed/")
    finally:
        set_script_prefix("/")
    assert not fixed_url("triage_search").startswith("/spoed/")
