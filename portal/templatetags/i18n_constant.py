"""Django's `i18n` tag library, with `{% translate "constant text" %}` rendered directly.

Loaded in place of Django's own under the name `i18n` (settings.TEMPLATES, `libraries`),
so every template's `{% load i18n %}` — the admin's and allauth's too — gets it, and
makemessages, which reads the template text, extracts the same strings.

Django renders a constant `{% translate %}` through a lazy string, the variable and
filter machinery, localisation and escaping: about 60 Python calls for what comes to
`gettext` of a text fixed when the template was compiled. A page has twenty or more of
them. This node does only what those steps amount to for a constant: the text, its `%`
doubled as Django doubles it, translated (once per language: the node keeps it), marked
safe as the template's own text is (Django does not escape it either), the `%` restored.
Everything else — a variable, a filter, `noop`, `context` — stays Django's node;
tests/portal/test_i18n_constant.py compares the two.
"""

from __future__ import annotations

from django.template import Library, Node, Variable
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, gettext

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(Node):
    child_nodelists = ()

    def __init__(self, message: str, asvar: str | None):
        # As Variable.resolve sends it to gettext: the percent signs doubled.
        self.msgid = mark_safe(message.replace("%", "%%"))  # noqa: S308 - the template's text
        self.asvar = asvar
        # The text per language, translated once: catalogs do not change while the process
        # runs, and a compiled template (the cached loader's) is kept as long.
        self.translated: dict[str | None, str] = {}

    def render(self, context):
        language = get_language()
        value = self.translated.get(language)
        if value is None:
            value = mark_safe(gettext(self.msgid).replace("%%", "%"))  # noqa: S308 - as Django
            self.translated[language] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant_message(node: django_i18n.TranslateNode) -> str | None:
    """The text of a `{% translate %}` that is a constant and nothing more, else None."""
    expression = node.filter_expression
    var = expression.var
    if node.noop or node.message_context is not None or expression.filters:
        return None
    if not isinstance(var, Variable) or var.lookups is not None:
        return None
    if not isinstance(var.literal, str) or not isinstance(var.literal, SafeData):
        return None
    return var.literal


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    message = _constant_message(node)
    if message is None:
        return node
    return ConstantTranslateNode(message, node.asvar)
