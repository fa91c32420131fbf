"""Logging filters and the JSON formatter (settings.LOGGING).

A refused request is an expected outcome — a nurse following an old link, a forged form
field — and the access ledger already holds it with its reason. The log needs one line
that says why, not a stack trace: Django logs every PermissionDenied raised in a view on
`django.request` with the whole traceback, which buried the errors that matter.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter


class JsonLineFormatter(JsonFormatter):
    """JSON lines, without the request object that Django attaches to its records: its
    repr carries the query string, which may hold a BSN (the message names the path)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)


class ForbiddenAsOneLine(logging.Filter):
    """A 403 from an exception becomes one line with the exception's message as its reason.

    Attached to the `django.request` logger: django.core.handlers.exception logs a
    PermissionDenied there ("Forbidden (Permission denied): <path>") with exc_info.
    CSRF failures (`django.security.csrf`) and views that return a 403 themselves
    ("Forbidden: <path>") are logged without a traceback already.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) != 403 or exception is None:
            return True
        reason = str(exception) or type(exception).__name__
        if not reason.isprintable():
            # As Django escapes the path: no forged log lines through a newline.
            reason = reason.encode("unicode_escape").decode("ascii")
        record.msg = f"{record.getMessage()} — {reason}"
        record.args = ()
        record.reason = reason  # a field of its own in the JSON line
        record.exc_info = None
        record.exc_text = None
        return True
