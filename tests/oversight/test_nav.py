"""{% oversight_nav %}: the supervisors' navigation, kept per part and language."""

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from oversight.templatetags.oversight_nav import _kept

PARTS = ["alerts", "ledger", "charts", "contacts", "reports", "patient_overview"]


def nav(current: str) -> str:
    return (
        engines["django"]
        .from_string("{% load oversight_nav %}{% oversight_nav c %}")
        .render({"c": current})
    )


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("current", PARTS)
def test_the_tag_writes_what_the_template_writes(language, current):
    with translation.override(language):
        assert nav(current) == render_to_string("oversight/_nav.html", {"current": current})
        assert nav(current).count('aria-current="page"') == 1


def test_each_part_and_language_is_rendered_once_and_kept():
    _kept.cache_clear()
    for language in ["nl", "en", "nl", "en"]:
        with translation.override(language):
            nav("ledger")
            nav("alerts")
    assert (_kept.cache_info().misses, _kept.cache_info().hits) == (4, 4)
    with translation.override("nl"):
        assert ">Toegangslogboek<" in nav("ledger")
    with translation.override("en"):
        assert ">Access log<" in nav("ledger")


@override_settings(DEBUG=True)
def test_with_debug_on_it_is_rendered_each_time():
    _kept.cache_clear()
    nav("ledger")
    assert _kept.cache_info().currsize == 0
