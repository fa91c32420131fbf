"""The options of a radio group, for templates/components/radio_group.html."""

from __future__ import annotations

from typing import NamedTuple

from django import template
from django.forms import BoundField

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
