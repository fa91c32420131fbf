"""Small display helpers for the summary page (the sections are stored as JSON)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

SEX = {"male": _("male"), "female": _("female"), "other": _("other"), "unknown": _("unknown")}


@register.filter
def iso_date(value: str) -> str:
    """2000-11-13 → 13-11-2000, as Dutch readers write dates; partial dates stay as they are."""
    try:
        return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
    except (TypeError, ValueError):
        return value or ""


@register.filter
def sex_label(value: str) -> str:
    return SEX.get(value, value)
