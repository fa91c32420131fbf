"""The API's JSON parser: a limit on the body's size, strict JSON, and the body's fingerprint
for idempotency."""

from __future__ import annotations

import hashlib

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class BodyTooLarge(ParseError):
    pass


class StrictJSONParser(BaseParser):
    """application/json, read up to settings.API_MAX_BODY_BYTES and no further.

    DRF's own parser reads the whole stream, whatever its size (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE guards request.body, which DRF does not use). orjson, not the
    json module: it refuses what PostgreSQL could not store (lone surrogates such as
    "\\ud800") and what is not JSON (NaN, Infinity), so bad input is a 400 here and never a
    500 later. The SHA-256 of the bytes as sent is kept on the request (`body_sha256`):
    the same Idempotency-Key must come with the same body."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(_("The body is larger than %(limit)s bytes.") % {"limit": limit})
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise BodyTooLarge(_("The body is larger than %(limit)s bytes.") % {"limit": limit})
        if request is not None:
            request.body_sha256 = hashlib.sha256(body).hexdigest()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
