"""Form widgets of our own, where Django's cost a page noticeably."""

from __future__ import annotations

from html import escape as html_escape

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
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
        if self.allow_multiple_selected:
            select_attrs["multiple"] = True
        values = self.format_value(value)
        html = [f'<select name="{_escape(name)}"{flatatt(select_attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                group_name, options = option_value, option_label
            else:
                group_name = None
                options = (("" if option_value is None else option_value, option_label),)
            if group_name:
                html.append(f'<optgroup label="{_escape(group_name)}">')
            for subvalue, sublabel in options:
                selected = (not has_selected or self.allow_multiple_selected) and str(
                    subvalue
                ) in values
                has_selected |= selected
                html.append(
                    f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>'
                    f"{_escape(sublabel)}</option>"
                )
            if group_name:
                html.append("</optgroup>")
        html.append("</select>")
        return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


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
