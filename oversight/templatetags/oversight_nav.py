"""{% oversight_nav "ledger" %}: the supervisors' navigation (templates/oversight/_nav.html),
one part marked as the current page.

It is the same for every supervisor: six links and their names, which depend only on the
part, the language and where the portal is mounted. Through the template language it cost
~0.13 ms of every supervisor's page (six links, six tests, seven translations), the
ledger search's among them (docs/performance.md, "Oversight"); here it is rendered once
per part, language and URL prefix, and kept. With DEBUG on it is rendered each time, so
that an edited template shows."""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def oversight_nav(current: str) -> SafeString:
    """The navigation with `current` (alerts, ledger, charts, contacts, reports,
    patient_overview) marked aria-current="page"."""
    if settings.DEBUG:
        return _rendered(current)
    return _kept(current, translation.get_language(), get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=64)
def _kept(current: str, language: str | None, prefix: str, urlconf: str | None) -> SafeString:
    # The key is what the markup depends on; the rendering reads them as they are now.
    return _rendered(current)


def _rendered(current: str) -> SafeString:
    return render_to_string("oversight/_nav.html", {"current": current})
