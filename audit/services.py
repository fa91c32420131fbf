"""The one writer of the access ledger."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import ipaddress
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from audit import context as request_context
from audit.actors import Actor
from audit.chain import GENESIS_HASH, canonical_parts, check_detail, event_hash
from audit.identifiers import validate_bsn
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose

# Any constant works; it names "the ledger head" among advisory locks.
LEDGER_LOCK_KEY = 7_513_0001


def _lock_and_read_head() -> tuple[int, str]:
    """The head (seq, hash) on SQLite, which holds its database write lock from BEGIN
    IMMEDIATE (see DATABASES in settings) until the caller's transaction ends."""
    head = AccessEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head or (0, GENESIS_HASH)


# PostgreSQL: lock, head, link and row in one statement (the function of migration
# audit/0004). Without the lock, two transactions could both read event #n as the head and
# both write #n+1: a forked chain. The lock is a transaction lock: it is held until the
# caller's transaction ends, or, outside one, until this statement commits.
_LINK_FIELDS = ("seq", "prev_hash", "hash")


@functools.cache
def _append_statement() -> tuple[str, tuple]:
    fields = tuple(
        field
        for field in AccessEvent._meta.concrete_fields
        if not field.primary_key and field.attname not in _LINK_FIELDS
    )
    columns = ", ".join(f'"{field.column}"' for field in fields)
    sql = (
        f'INSERT INTO "audit_accessevent" ({columns}, "seq", "prev_hash", "hash") '  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(fields))}, link.seq, link.prev_hash, link.hash "
        "FROM audit_ledger_link(%s, %s, %s, %s) link "
        'RETURNING "id", "seq", "prev_hash", "hash"'
    )
    return sql, fields


def _append_postgresql(event: AccessEvent) -> None:
    sql, fields = _append_statement()
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    params += [LEDGER_LOCK_KEY, *canonical_parts(event.__dict__)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        event.pk, event.seq, event.prev_hash, event.hash = cursor.fetchone()


def _append_sqlite(event: AccessEvent) -> None:
    # No savepoint: a caller in a transaction fails as a whole when its event fails.
    with transaction.atomic(savepoint=False):
        head_seq, event.prev_hash = _lock_and_read_head()
        event.seq = head_seq + 1
        event.hash = event_hash(event.__dict__)
        event.save(force_insert=True)


def _normalise_address(address: str) -> str:
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as exc:
        raise ValidationError({"client_address": f"{address!r} is not an IP address"}) from exc
    # An IPv4 client seen through an IPv6 socket is written as plain IPv4,
    # so one client has one spelling in the ledger.
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


_CHOICES = {
    "event_type": frozenset(EventType.values),
    "action": frozenset(Action.values),
    "outcome": frozenset(Outcome.values),
    "consent_basis": frozenset(ConsentBasis.values),
    "purpose_of_use": frozenset(Purpose.values),
}
_LENGTHS = {
    field.attname: field.max_length
    for field in AccessEvent._meta.concrete_fields
    if isinstance(field, models.CharField) and field.attname not in ("prev_hash", "hash")
}


def _check(event: AccessEvent) -> None:
    """What full_clean() would check for these fields, at a fraction of its cost (every
    page that shows patient data writes an event)."""
    errors = {
        name: f"{getattr(event, name)!r} is not a valid choice"
        for name, allowed in _CHOICES.items()
        if getattr(event, name) not in allowed
    }
    errors.update(
        (name, f"longer than {limit} characters")
        for name, limit in _LENGTHS.items()
        if len(str(getattr(event, name) or "")) > limit
    )
    if errors:
        raise ValidationError(errors)


def access_event_record(**fields: Any) -> AccessEvent:
    """Append one event to the ledger, inside the caller's transaction if there is one.

    Called only by the functions of audit/events.py, one per kind of event; `fields` are
    `_event`'s keyword arguments (event_type, action and actor required). Raises (and so
    rolls back the caller's work) when the event is invalid or cannot be written: an
    access that cannot be logged does not happen. ``occurred_at`` defaults to the start
    of the current request.
    """
    with _failing_the_callers_transaction():
        event = _event(**fields)
        if connection.vendor == "postgresql":
            _append_postgresql(event)
        else:
            _append_sqlite(event)
        event._state.adding = False
        event._state.db = connection.alias
        return event


def _failing_the_callers_transaction():
    """Inside a transaction, an event that fails marks it for rollback (an atomic block
    without a savepoint issues no SQL): a caller that catches the error still cannot commit
    the action it wanted to log. Outside one, there is nothing to mark."""
    if connection.in_atomic_block:
        return transaction.atomic(savepoint=False)
    return contextlib.nullcontext()


def _event(
    *,
    event_type: EventType,
    action: Action,
    actor: Actor,
    outcome: Outcome = Outcome.SUCCESS,
    patient_bsn: str = "",
    consent_basis: ConsentBasis = ConsentBasis.NONE,
    consent_policy: str = "",
    purpose_of_use: Purpose = Purpose.TREATMENT,
    detail: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    context: request_context.RequestContext | None = None,
) -> AccessEvent:
    """The event, checked (before the ledger's lock is taken), not yet written. The one
    list of an event's fields that callers give; the rest come from the request context."""
    context = context or request_context.current()
    detail = detail or {}
    try:
        check_detail(detail)
    except ValueError as exc:
        raise ValidationError({"detail": str(exc)}) from exc
    if patient_bsn:
        validate_bsn(patient_bsn)

    event = AccessEvent(
        event_id=uuid.uuid4(),
        occurred_at=(occurred_at or context.started_at).astimezone(dt.UTC),
        event_type=event_type,
        action=action,
        outcome=outcome,
        user_uzi=actor.uzi_number,
        user_username=actor.username,
        user_name=actor.name,
        user_role_code=actor.role_code,
        user_portal_role=actor.portal_role,
        organisation_ura=actor.organisation_ura,
        organisation_agb=actor.organisation_agb,
        organisation_name=actor.organisation_name,
        patient_bsn=patient_bsn,
        consent_basis=consent_basis,
        consent_policy=consent_policy,
        purpose_of_use=purpose_of_use,
        client_address=_normalise_address(context.client_address),
        session_ref=context.session_ref,
        request_id=context.request_id,
        detail=detail,
    )
    _check(event)
    return event
