"""{% translate %} of a constant, rendered directly (portal/templatetags/i18n_constant.py),
against Django's own i18n library as the reference."""

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from portal.templatetags.i18n_constant import ConstantTranslateNode

DJANGOS = Engine(libraries={"i18n": "django.templatetags.i18n"})
OURS = engines["django"].engine

TEMPLATES = [
    '{% translate "Log out" %}',
    "{% translate 'Log out' %}",
    '{% trans "Log out" %}',
    '{% translate "Your data in Spoedinzage" %}',
    '{% translate "50% of 10%% is %s" %}',
    '{% translate "<b>bold</b> & \\"quoted\\"" %}',
    "{% translate 'it\\'s a \\\\ backslash' %}",
    '{% translate "Log out" as label %}[{{ label }}]',
    '{% translate "Log out" as label %}{{ label|upper }}',
    '{% translate "Log out"|upper %}',
    '{% translate "Log out" noop %}',
    '{% translate "May" context "month name" %}',
    "{% translate text %}",
    "{% translate text|lower %}",
    '{% autoescape off %}{% translate "<i>x</i>" %}{% translate text %}{% endautoescape %}',
    '{% translate "Log out" as label %}{% autoescape off %}{{ label }}{% endautoescape %}',
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_the_output_is_djangos(source, language):
    text = "{% load i18n %}" + source
    context = {"text": "<b>Log out</b> 100%"}
    with translation.override(language):
        expected = DJANGOS.from_string(text).render(Context(context))
        assert OURS.from_string(text).render(Context(context)) == expected


def test_a_constant_is_rendered_by_the_direct_node_and_translated():
    template = OURS.from_string('{% load i18n %}{% translate "Log out" %}')
    assert any(isinstance(node, ConstantTranslateNode) for node in template.nodelist)
    with translation.override("nl"):
        assert template.render(Context()) == "Afmelden"
    with translation.override("en"):
        assert template.render(Context()) == "Log out"


def test_anything_more_than_a_constant_stays_djangos_node():
    for source in ['{% translate "x"|upper %}', '{% translate "x" noop %}', "{% translate v %}"]:
        template = OURS.from_string("{% load i18n %}" + source)
        assert not any(isinstance(node, ConstantTranslateNode) for node in template.nodelist)


def test_i18n_is_the_only_library_name_taken_twice():
    # templates.W003 is silenced for this one override; any other clash must still show.
    warnings = engines["django"]._check_for_template_tags_with_the_same_name()
    assert [warning.msg for warning in warnings] == [
        "'i18n' is used for multiple template tag modules: "
        "'django.templatetags.i18n', 'portal.templatetags.i18n_constant'"
    ]
