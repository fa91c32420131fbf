"""Form fields as the NL Design System draws them, written by Python: {% text_field field %}
(a label, the error, the widget) and {% radio_group field %} (a fieldset of radios;
radio_options gives its options). Through the template language (the components they
replaced) each cost hundreds of Python calls a field, on every page with a form;
tests/portal/test_widgets.py compares each with the component's template."""

from __future__ import annotations

from typing import NamedTuple

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class RadioOption(NamedTuple):
    value: str
    label: str
    id: str
    checked: bool


@register.filter
def radio_options(field: BoundField) -> list[RadioOption]:
    """What `{% for radio in field %}` gives a template (radio.data.value, .choice_label,
    .id_for_label, .data.selected), without a widget context per option: that cost ~40 µs
    an option, and the patient's page has six. Flat choices only (no groups), as every
    radio field of the portal has; tests/portal/test_widgets.py compares the two."""
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    chosen = {_text(v) for v in values}
    return [
        RadioOption(_text(option), str(label), f"{field.auto_id}_{index}", _text(option) in chosen)
        for index, (option, label) in enumerate(field.field.choices)
    ]


def _text(value) -> str:
    return "" if value is None else str(value)


def _error_message(errors, field_id: str) -> str:
    """The field's errors in one paragraph, `<field_id>-error` for aria-describedby."""
    messages = " ".join(conditional_escape(error) for error in errors)
    return f'<p class="utrecht-form-field-error-message" id="{field_id}-error">{messages}</p>'


_FIELDSET = "utrecht-form-fieldset utrecht-form-fieldset--html-fieldset"
_RADIO = "utrecht-radio-button utrecht-radio-button--html-input"


@register.simple_tag
def radio_group(field: BoundField, autofocus: bool = False) -> SafeString:
    """A radio group (NL Design System): the field's choices, its legend, its error; the
    first option focused when `autofocus`. Written in Python: through the template
    language a group of three options cost ~1,000 Python calls, a tenth of the patient's
    page. tests/portal/test_widgets.py compares it with the component template it replaced."""
    errors = field.errors
    name = conditional_escape(field.html_name)
    invalid = " utrecht-form-fieldset--invalid" if errors else ""
    described = f' aria-describedby="{name}-error"' if errors else ""
    html = [
        f'<fieldset class="{_FIELDSET}{invalid}"{described}>',
        '<legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">'
        f"{conditional_escape(field.label)}</legend>",
    ]
    if errors:
        html.append(_error_message(errors, name))
    radio_class = _RADIO + (" utrecht-radio-button--invalid" if errors else "")
    for index, option in enumerate(radio_options(field)):
        checked = " checked" if option.checked else ""
        focus = " autofocus" if autofocus and index == 0 else ""
        option_id = conditional_escape(option.id)
        html.append(
            '<div class="utrecht-form-field utrecht-form-field--radio">'
            f'<div class="utrecht-form-field__input"><input type="radio" class="{radio_class}" '
            f'name="{name}" value="{conditional_escape(option.value)}" id="{option_id}"'
            f"{checked}{focus}></div>"
            '<div class="utrecht-form-field__label"><label class="utrecht-form-label '
            f'utrecht-form-label--radio" for="{option_id}">{conditional_escape(option.label)}'
            "</label></div></div>"
        )
    html.append("</fieldset>")
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def text_field(field: BoundField) -> SafeString:
    """A field with its label above it and its error between them (any widget: text, date,
    select, textarea, file)."""
    errors = field.errors
    label_for = conditional_escape(field.id_for_label)
    html = [
        '<div class="utrecht-form-field' + (' utrecht-form-field--invalid">' if errors else '">'),
        f'<div class="utrecht-form-field__label"><label class="utrecht-form-label" '
        f'for="{label_for}">{conditional_escape(field.label)}</label></div>',
    ]
    if errors:
        html.append(_error_message(errors, label_for))
    html.append(f'<div class="utrecht-form-field__input">{conditional_escape(field)}</div>')
    html.append("</div>")
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped
