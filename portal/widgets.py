"""Form widgets of our own, where Django's cost a page noticeably."""

from __future__ import annotations

import functools
from collections.abc import Container, Iterable
from html import escape as html_escape

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.choices import CallableChoiceIterator, normalize_choices
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _escape(value) -> str:
    """django.utils.html.escape without its lazy-text and safe-string wrappers."""
    return html_escape(str(value))


class PlainSelect(forms.Select):
    """forms.Select, written out by Python instead of one template render per option.

    Django renders each <option> through its own template and an attributes template: the
    ledger search's event type (30 options) cost ~0.75 ms of every page; then building an
    option dict each (create_option) still cost ~0.8 ms of it under cProfile. The
    attributes Django adds (id, aria-invalid, …) are still Django's (build_attrs), and the
    options are selected by Select.optgroups' rule (only the first match); the markup is
    written as Django's templates write it (tests/portal/test_widgets.py compares the two)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        # What Select.get_context and optgroups make, without an option dict each (that
        # dict, built by create_option, was most of the cost): the select's attributes as
        # build_attrs gives them, each option selected as optgroups decides it.
        select_attrs = self.build_attrs(self.attrs, attrs)
        multiple = self.allow_multiple_selected
        if multiple:
            select_attrs["multiple"] = True
        values = self.format_value(value)
        made = self._choices_tuple()
        if made is not None:
            options = _options_kept(made, tuple(values), multiple)
        else:
            options = _options(self.choices, values, multiple)
        return mark_safe(  # noqa: S308 - every value is escaped, here and in _options
            f'<select name="{_escape(name)}"{flatatt(select_attrs)}>{options}</select>'
        )

    def use_required_attribute(self, initial) -> bool:
        # Select's rule (the first choice must be empty), without normalising every choice
        # of a callable (as iterating self.choices does) to find the first.
        made = self._choices_tuple()
        if made is None or self.allow_multiple_selected:
            return super().use_required_attribute(initial)
        return not self.is_hidden and bool(made) and self._choice_has_empty_value(made[0])

    def _choices_tuple(self) -> tuple | None:
        """The choices, when a callable gives them as a tuple (which _options_kept keeps)."""
        if isinstance(self.choices, CallableChoiceIterator):
            made = self.choices.func()
            return made if isinstance(made, tuple) else None
        return None


def _options(choices: Iterable, values: Container[str], multiple: bool) -> str:
    """The <option>s (and <optgroup>s) of `choices`, the ones in `values` selected."""
    html = []
    has_selected = False
    for option_value, option_label in choices:
        if isinstance(option_label, list | tuple):
            group_name, options = option_value, option_label
        else:
            group_name = None
            options = (("" if option_value is None else option_value, option_label),)
        if group_name:
            html.append(f'<optgroup label="{_escape(group_name)}">')
        for subvalue, sublabel in options:
            selected = (not has_selected or multiple) and str(subvalue) in values
            has_selected |= selected
            html.append(
                f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>'
                f"{_escape(sublabel)}</option>"
            )
        if group_name:
            html.append("</optgroup>")
    return "".join(html)


@functools.lru_cache(maxsize=256)
def _options_kept(choices: tuple, values: tuple[str, ...], multiple: bool) -> str:
    """_options of choices that a callable gave as a tuple, kept per tuple and selection.

    The ledger search's event types are such a tuple, one per language (~50 options): their
    options cost ~0.15 ms a page, written again on every page alike. Only plain text is
    kept: a lazy label would be kept in the language it was first written in."""
    for value, label in choices:
        group = isinstance(label, tuple)
        for text in (value, *(sublabel for _, sublabel in label)) if group else (label,):
            if not isinstance(text, str):
                raise TypeError(f"PlainSelect keeps only choices of str labels, not {text!r}")
    return _options(normalize_choices(choices), values, multiple)


# Django's <input> widgets: each of these templates only includes input.html, which
# includes attrs.html.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "input",
        "text",
        "date",
        "datetime",
        "time",
        "email",
        "password",
        "number",
        "search",
        "tel",
        "url",
        "hidden",
        "checkbox",
    )
)


def _input_html(widget: dict) -> str:
    """What input.html and attrs.html write: an attribute set to False is left out, one set
    to True is written by its name alone, every value escaped as the templates escape it
    (conditional_escape: a value marked safe is written as it is)."""
    html = [
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"'
    ]
    if widget["value"] is not None:
        html.append(f' value="{conditional_escape(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        name = conditional_escape(name)
        html.append(f" {name}" if value is True else f' {name}="{conditional_escape(value)}"')
    html.append(">")
    return "".join(html)


class PortalFormRenderer(DjangoTemplates):
    """Django's form renderer, with the plain <input> widgets written out by Python: their
    three template renders cost ~75 µs a field, on every page with a form (the patient's
    page has two date fields, triage its search). Everything else is Django's templates;
    tests/portal/test_widgets.py compares the two for every input kind."""

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES:
            return _input_html(context["widget"])
        return super().render(template_name, context, request)
