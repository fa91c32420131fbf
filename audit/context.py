"""Where an event comes from: request id, client address, session.

The request middleware fills this in for web requests; a Celery task or a
management command leaves it at its default (no client, no session) and
names itself as the actor instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.utils import timezone


def _no_session() -> str | None:
    return None


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str = ""
    started_at: dt.datetime = field(default_factory=timezone.now)
    # Read when an event is written, not when the request starts: the
    # session key is created, or rotated at login, during the request.
    session_key: Callable[[], str | None] = _no_session

    @property
    def session_ref(self) -> str:
        return session_ref_for(self.session_key())


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def session_ref_for(session_key: str | None) -> str:
    """A stable reference to a session that is not the session key itself.

    The key is a bearer credential; the ledger is read by supervisors and
    patients, so it holds a one-way digest that still links a session's events.
    """
    if not session_key:
        return ""
    return hashlib.sha256(f"session:{session_key}".encode()).hexdigest()[:32]


def set_current(context: RequestContext | None):
    return _current.set(context)


def reset_current(token) -> None:
    _current.reset(token)


def current() -> RequestContext:
    return _current.get() or RequestContext()
