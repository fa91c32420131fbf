"""Form widgets of our own, where Django's cost a page noticeably."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
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
