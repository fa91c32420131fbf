"""portal.widgets: PlainSelect writes what Django's Select writes with its templates, and
PortalFormRenderer the <input> widgets as Django's templates write them; the radio group
tag what its component template wrote."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal.templatetags.fields import radio_group, radio_options, text_field
from portal.widgets import PlainSelect, PortalFormRenderer, _options_kept

CHOICES = [
    ("", "Any"),
    ("a&b", 'Tom & "Jerry" <x>'),
    (3, "Three"),
    ("Group <1>", [("g1", "One"), ("g2", "Two"), (None, "None in a group")]),
    (None, gettext_lazy("Log out")),
    ("a&b", "The same value again: only the first is selected"),
]


@pytest.mark.parametrize("value", [None, "", "a&b", 3, "3", "g2", "None", "unknown"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_soort", "aria-invalid": "true", "required": True, "disabled": False}],
)
def test_plain_select_writes_what_djangos_select_writes(value, attrs):
    widget_attrs = {"class": "utrecht-select <x>", "data-x": 'a"b'}
    django = forms.Select(attrs=widget_attrs, choices=CHOICES).render("soort", value, attrs)
    plain = PlainSelect(attrs=widget_attrs, choices=CHOICES).render("soort", value, attrs)
    assert parse_html(plain) == parse_html(django)
    assert plain.count("selected") == django.count("selected")
    # parse_html closes what is left open; a browser would not: the same tags, in order.
    assert re.findall(r"</?\w+", plain) == re.findall(r"</?\w+", django)


def test_a_field_with_errors_keeps_its_attributes():
    class Form(forms.Form):
        soort = forms.ChoiceField(choices=CHOICES[:3], widget=PlainSelect)

    form = Form({"soort": "nothing"})
    assert not form.is_valid()
    html = str(form["soort"])
    assert 'aria-invalid="true"' in html and 'id="id_soort"' in html
    assert '<option value="a&amp;b">Tom &amp; &quot;Jerry&quot; &lt;x&gt;</option>' in html


# The ledger search's event types are given this way: a callable that returns a tuple of
# plain text (per language), whose options PlainSelect writes once and keeps.
KEPT_CHOICES = (
    ("", "Any"),
    ("a&b", 'Tom & "Jerry" <x>'),
    ("Group <1>", (("g1", "One"), ("g2", "Two"))),
    ("3", "Three"),
)


class PlainSelectMultiple(PlainSelect):
    allow_multiple_selected = True


@pytest.mark.parametrize("value", [None, "", "a&b", "g2", "3", "unknown"])
@pytest.mark.parametrize("multiple", [False, True])
def test_choices_given_as_a_tuple_by_a_callable_are_written_as_djangos_select(value, multiple):
    django_class, plain_class = (
        (forms.SelectMultiple, PlainSelectMultiple) if multiple else (forms.Select, PlainSelect)
    )

    def choices():
        return KEPT_CHOICES

    class Form(forms.Form):
        django = forms.ChoiceField(choices=choices, widget=django_class, required=False)
        plain = forms.ChoiceField(choices=choices, widget=plain_class, required=False)

    form = Form({"django": value, "plain": value})
    for _ in range(2):  # written, then kept
        django, plain = str(form["django"]), str(form["plain"])
        assert parse_html(plain.replace("plain", "django")) == parse_html(django)
        assert re.findall(r"</?\w+", plain) == re.findall(r"</?\w+", django)


def test_kept_options_follow_the_tuple_the_callable_gives():
    language = {"now": "nl"}
    labels = {"nl": (("", "Alle"), ("x", "Iets")), "en": (("", "Any"), ("x", "Something"))}

    class Form(forms.Form):
        soort = forms.ChoiceField(
            choices=lambda: labels[language["now"]], widget=PlainSelect, required=False
        )

    assert ">Alle</option>" in str(Form({"soort": "x"})["soort"])
    assert '<option value="x" selected>Iets</option>' in str(Form({"soort": "x"})["soort"])
    language["now"] = "en"
    html = str(Form({"soort": ""})["soort"])
    assert '<option value="" selected>Any</option>' in html and "Alle" not in html


def test_options_of_a_tuple_are_written_once_per_selection():
    _options_kept.cache_clear()
    widget = PlainSelect(choices=lambda: KEPT_CHOICES)
    widget.render("soort", "3")
    before = _options_kept.cache_info()
    widget.render("soort", "3")
    widget.render("soort", "a&b")
    after = _options_kept.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 1)


def test_only_plain_text_labels_are_kept():
    # A lazy label would be kept in the language it was first written in.
    widget = PlainSelect(choices=lambda: (("", gettext_lazy("Log out")),))
    with pytest.raises(TypeError, match="str labels"):
        widget.render("soort", "")


@pytest.mark.parametrize(
    "choices",
    [lambda: (("", "Any"), ("x", "X")), lambda: (("x", "X"), ("", "Any")), lambda: ()],
)
@pytest.mark.parametrize("hidden", [False, True])
def test_the_required_attribute_follows_selects_rule(choices, hidden):
    django, plain = forms.Select(choices=choices), PlainSelect(choices=choices)
    if hidden:
        django.input_type = plain.input_type = "hidden"
    assert plain.use_required_attribute(None) == django.use_required_attribute(None)


INPUTS = [
    forms.TextInput,
    forms.DateInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.NumberInput,
    forms.URLInput,
    forms.HiddenInput,
    forms.CheckboxInput,
]


@pytest.mark.parametrize("widget_class", INPUTS)
@pytest.mark.parametrize("value", [None, "", 'a<b & "c"', 3, True, mark_safe("<i>")])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"id": "id_x", "aria-invalid": "true", "required": True, "disabled": False},
        {"placeholder": gettext_lazy("Birth date"), "data-<x>": 'q"q'},
    ],
)
def test_the_portal_renderer_writes_inputs_as_djangos_templates(widget_class, value, attrs):
    widget = widget_class(attrs={"class": "utrecht-textbox <x>", "autocomplete": "off"})
    django = widget.render("veld", value, attrs, renderer=DjangoTemplates())
    portal = widget.render("veld", value, attrs, renderer=PortalFormRenderer())
    assert portal == django


def test_the_portal_renderer_is_the_forms_renderer():
    class Form(forms.Form):
        since = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    assert isinstance(Form().renderer, PortalFormRenderer)
    # Other widgets still render through Django's templates.
    select = forms.Select(choices=[("a", "A")]).render("s", "a", renderer=PortalFormRenderer())
    assert '<option value="a" selected>A</option>' in select


RADIO_CHOICES = [("consent", "Toestemming"), ("refusal", 'Geen <b>"toestemming"</b>'), (3, "Drie")]


@pytest.mark.parametrize("data", [None, {}, {"keuze": "refusal"}, {"keuze": "3"}, {"keuze": "x"}])
@pytest.mark.parametrize("initial", [None, "consent", 3])
def test_radio_options_are_what_iterating_the_field_gives(data, initial):
    class Form(forms.Form):
        keuze = forms.ChoiceField(choices=RADIO_CHOICES, widget=forms.RadioSelect, initial=initial)

    field = Form(data)["keuze"]
    # As the template writes them: the value as text.
    assert radio_options(field) == [
        (str(radio.data["value"]), radio.choice_label, radio.id_for_label, radio.data["selected"])
        for radio in field
    ]


def test_radio_options_of_a_prefixed_form():
    class Form(forms.Form):
        keuze = forms.ChoiceField(choices=RADIO_CHOICES, widget=forms.RadioSelect)

    field = Form({"p-keuze": "consent"}, prefix="p")["keuze"]
    assert [option.id for option in radio_options(field)] == [
        "id_p-keuze_0",
        "id_p-keuze_1",
        "id_p-keuze_2",
    ]
    assert [radio.id_for_label for radio in field] == [
        "id_p-keuze_0",
        "id_p-keuze_1",
        "id_p-keuze_2",
    ]
    assert radio_options(field)[0].checked


# templates/components/radio_group.html as it was, the reference for {% radio_group %}.
RADIO_GROUP_TEMPLATE = """{% load fields %}
<fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset{% if field.errors %} utrecht-form-fieldset--invalid{% endif %}"{% if field.errors %} aria-describedby="{{ field.html_name }}-error"{% endif %}>
  <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">{{ field.label }}</legend>
  {% if field.errors %}<p class="utrecht-form-field-error-message" id="{{ field.html_name }}-error">{{ field.errors|join:" " }}</p>{% endif %}
  {% for radio in field|radio_options %}
  <div class="utrecht-form-field utrecht-form-field--radio">
    <div class="utrecht-form-field__input"><input type="radio" class="utrecht-radio-button utrecht-radio-button--html-input{% if field.errors %} utrecht-radio-button--invalid{% endif %}" name="{{ field.html_name }}" value="{{ radio.value }}" id="{{ radio.id }}"{% if radio.checked %} checked{% endif %}{% if forloop.first and autofocus %} autofocus{% endif %}></div>
    <div class="utrecht-form-field__label"><label class="utrecht-form-label utrecht-form-label--radio" for="{{ radio.id }}">{{ radio.label }}</label></div>
  </div>
  {% endfor %}
</fieldset>"""  # noqa: E501 - the component's lines as they were


@pytest.mark.parametrize("data", [None, {"keuze": "refusal"}, {"keuze": "x"}, {}])
@pytest.mark.parametrize("autofocus", [False, True])
def test_the_radio_group_tag_writes_what_the_component_wrote(data, autofocus):
    class Form(forms.Form):
        keuze = forms.ChoiceField(
            label='Uw <keuze> & "wens"', choices=RADIO_CHOICES, widget=forms.RadioSelect
        )

    field = Form(data, prefix=None)["keuze"]
    reference = engines["django"].from_string(RADIO_GROUP_TEMPLATE)
    expected = reference.render({"field": field, "autofocus": autofocus})
    written = radio_group(field, autofocus=autofocus)
    assert parse_html(written) == parse_html(expected)
    assert ("utrecht-form-fieldset--invalid" in written) == (data == {"keuze": "x"} or data == {})


# templates/components/text_field.html as it was, the reference for {% text_field %}.
TEXT_FIELD_TEMPLATE = """<div class="utrecht-form-field{% if field.errors %} utrecht-form-field--invalid{% endif %}">
  <div class="utrecht-form-field__label"><label class="utrecht-form-label" for="{{ field.id_for_label }}">{{ field.label }}</label></div>
  {% if field.errors %}<p class="utrecht-form-field-error-message" id="{{ field.id_for_label }}-error">{{ field.errors|join:" " }}</p>{% endif %}
  <div class="utrecht-form-field__input">{{ field }}</div>
</div>"""  # noqa: E501 - the component's lines as they were


class Fields(forms.Form):
    naam = forms.CharField(label='Naam <van> "u"', max_length=5)
    sinds = forms.DateField(label="Sinds", widget=forms.DateInput(attrs={"type": "date"}))
    soort = forms.ChoiceField(label="Soort", choices=[("a", "A & B")])
    toelichting = forms.CharField(label="Toelichting", widget=forms.Textarea, required=False)


@pytest.mark.parametrize(
    "data", [None, {"naam": "Jan <x>", "sinds": "2026-12-01", "soort": "a"}, {"naam": "te lang"}]
)
@pytest.mark.parametrize("name", ["naam", "sinds", "soort", "toelichting"])
def test_the_text_field_tag_writes_what_the_component_wrote(data, name):
    field = Fields(data)[name]
    reference = engines["django"].from_string(TEXT_FIELD_TEMPLATE)
    assert parse_html(text_field(field)) == parse_html(reference.render({"field": field}))
