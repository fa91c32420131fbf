"""The current TOTP code for a secret: for the demo's `demo_totp` and for tests.

Uses allauth's own HOTP functions, so the code is the one allauth will accept.
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

# A code read in the last seconds of its period may be checked in the next one, where
# allauth (no tolerance) refuses it: then wait for the next period's code.
FRESH_SECONDS = 3


def totp_code(secret: str, at: float | None = None) -> str:
    if at is None:
        now = time.time()
        left = app_settings.TOTP_PERIOD - now % app_settings.TOTP_PERIOD
        if left < FRESH_SECONDS:
            time.sleep(left + 0.05)
    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
