"""portal.widgets.PlainSelect writes what Django's Select writes with its templates."""

import pytest
from django import forms
from django.test.html import parse_html

from portal.widgets import PlainSelect

CHOICES = [
    ("", "Any"),
    ("a&b", 'Tom & "Jerry" <x>'),
    (3, "Three"),
    ("Group <1>", [("g1", "One"), ("g2", "Two")]),
]


@pytest.mark.parametrize("value", [None, "", "a&b", 3, "3", "g2", "unknown"])
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


def test_a_field_with_errors_keeps_its_attributes():
    class Form(forms.Form):
        soort = forms.ChoiceField(choices=CHOICES[:3], widget=PlainSelect)

    form = Form({"soort": "nothing"})
    assert not form.is_valid()
    html = str(form["soort"])
    assert 'aria-invalid="true"' in html and 'id="id_soort"' in html
    assert '<option value="a&amp;b">Tom &amp; &quot;Jerry&quot; &lt;x&gt;</option>' in html
