"""Form widgets of our own, where Django's cost a page noticeably."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    """forms.Select, written out by Python instead of one template render per option.

    Django renders each <option> through its own template and an attributes template: the
    ledger search's event type (30 options) cost ~0.75 ms of every page. The context —
    which option is selected, the attributes Django adds (id, aria-invalid, …) — is still
    Django's (get_context); only the markup is written here, as Django's templates write it
    (tests/portal/test_widgets.py compares the two)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{escape(widget["name"])}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'<optgroup label="{escape(group_name)}">')
            html.extend(
                f'<option value="{escape(option["value"])}"{flatatt(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
                for option in options
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
