"""The bearer tokens GP practices issued us, encrypted at rest.

Whoever reads the database (a backup, a replica, a support query) could otherwise fetch every
practice's patients with them. Fernet (AES-128-CBC with HMAC-SHA256) under the keys in
settings.PRACTICE_TOKEN_KEYS: the first encrypts, every one decrypts, so a key is replaced
without downtime: put the new key first, run `manage.py practice_tokens_rotate`, then drop
the old key (docs/pipeline.md).

`EncryptedTokenField` keeps this out of the callers' sight: `practice.token` is the token, the
column holds its ciphertext. The token is decrypted when it is read, not when its row is loaded,
and a row read is saved back as it was: a token that no key decrypts (a key dropped too early)
fails only the pull that needs it, and the admin can still load the practice and enter the token
again. `.values("token")` gives the ciphertext; filtering on a token matches nothing (each
encryption differs), except the empty string, which is stored as it is.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.query_utils import DeferredAttribute


class TokenUnreadable(Exception):  # noqa: N818
    """A stored token that none of PRACTICE_TOKEN_KEYS decrypts."""


def _keys() -> MultiFernet:
    # Built on each use (microseconds), so a changed setting takes effect at once.
    return MultiFernet([Fernet(key) for key in settings.PRACTICE_TOKEN_KEYS])


def encrypt(token: str) -> str:
    """The token's ciphertext under the first key (URL-safe base64 text)."""
    return _keys().encrypt(token.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _keys().decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken:
        raise TokenUnreadable(
            "the practice's bearer token cannot be decrypted with any of PRACTICE_TOKEN_KEYS "
            "(was the key it was encrypted with dropped before practice_tokens_rotate ran?); "
            "enter the token again"
        ) from None


class _Ciphertext(str):
    """A token as its row holds it: decrypted when read, written back unchanged."""

    __slots__ = ()


class _TokenAttribute(DeferredAttribute):
    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        return decrypt(value) if isinstance(value, _Ciphertext) else value

    def __set__(self, instance, value):
        # Defined so that this is a data descriptor: without it a value in the instance's
        # __dict__ would be read past __get__, ciphertext and all.
        instance.__dict__[self.field.attname] = value


class EncryptedTokenField(models.TextField):
    """A secret text, encrypted in the column; the model attribute reads as the clear text."""

    descriptor_class = _TokenAttribute

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As CharField does. The ciphertext is longer (a text column): max_length holds the
        # clear text.
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        return _Ciphertext(value) if value else value

    def pre_save(self, model_instance, add):
        # The value as read, not through the descriptor: saving a practice needs no key.
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value or isinstance(value, _Ciphertext):
            return value
        return encrypt(value)
