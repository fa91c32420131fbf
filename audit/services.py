"""The one writer of the access ledger."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import hashlib
import ipaddress
import json
import operator
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from audit import context as request_context
from audit.actors import Actor
from audit.bulk import defaults_of, instances_new, rows_insert
from audit.chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_dumps_fast,
    canonical_parts,
    canonical_value,
    check_detail,
    event_hash,
)
from audit.identifiers import validate_bsn
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose
from audit.partitions import ledger_month_now, month_add

# Any constant works; it names "the ledger head" among advisory locks.
LEDGER_LOCK_KEY = 7_513_0001


def _lock_and_read_head() -> tuple[int, str, dt.date | None]:
    """The head (seq, hash, ledger month) on SQLite, which holds its database write lock
    from BEGIN IMMEDIATE (see DATABASES in settings) until the caller's transaction ends."""
    head = AccessEvent.objects.order_by("-seq").values_list("seq", "hash", "ledger_month").first()
    return head or (0, GENESIS_HASH, None)


def _month_after(head_month: dt.date | None) -> dt.date:
    """The month a new event is filed in: this month, or the head's if that is later (a
    writer that took the time before the month turned and the lock after): never earlier
    than the event before it (audit.partitions)."""
    month = ledger_month_now()
    return max(month, head_month) if head_month else month


# PostgreSQL: lock, head, link and row in one statement (the function of migration
# audit/0004). Without the lock, two transactions could both read event #n as the head and
# both write #n+1: a forked chain. The lock is a transaction lock: it is held until the
# caller's transaction ends, or, outside one, until this statement commits.
_LINK_FIELDS = ("seq", "prev_hash", "hash", "ledger_month")


@functools.cache
def _append_statement() -> tuple[str, tuple]:
    fields = tuple(
        field
        for field in AccessEvent._meta.concrete_fields
        if not field.primary_key and field.attname not in _LINK_FIELDS
    )
    columns = ", ".join(f'"{field.column}"' for field in fields)
    sql = (
        f'INSERT INTO "audit_accessevent" ({columns}, "seq", "prev_hash", "hash", '  # noqa: S608
        '"ledger_month") '
        f"SELECT {', '.join(['%s'] * len(fields))}, link.seq, link.prev_hash, link.hash, "
        "link.ledger_month FROM audit_ledger_link(%s, %s, %s, %s, %s) link "
        'RETURNING "id", "seq", "prev_hash", "hash", "ledger_month"'
    )
    return sql, fields


# The types a field passes to the database as they are: get_db_prep_save returns a str of
# a CharField and a UUID of a UUIDField (PostgreSQL has the type) unchanged, so an event's
# plain values skip its ~5 calls each. Anything else (an enum, the detail, the time, an
# integer, which psycopg gets wrapped by its size) goes through the field as before.
_PASSED_AS_IS = (
    (models.CharField, frozenset({str})),
    (models.UUIDField, frozenset({uuid.UUID})),
)


@functools.cache
def _append_params() -> tuple[Callable[[dict], tuple], tuple]:
    """How to read an event's values for _append_statement's fields, and per field the
    types passed as they are with the field's own conversion for the rest."""
    _, fields = _append_statement()
    values_of = operator.itemgetter(*(field.attname for field in fields))
    conversions = tuple(
        (
            next((types for kind, types in _PASSED_AS_IS if isinstance(field, kind)), frozenset()),
            functools.partial(_prepared, field),
        )
        for field in fields
    )
    return values_of, conversions


def _prepared(field: models.Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _append_values(event: AccessEvent) -> list:
    """The event's values for _append_statement's fields, as get_db_prep_save gives them."""
    values_of, conversions = _append_params()
    return [
        value if type(value) in passed else convert(value)
        for value, (passed, convert) in zip(values_of(event.__dict__), conversions, strict=True)
    ]


def _append_postgresql(event: AccessEvent) -> None:
    sql, _ = _append_statement()
    params = _append_values(event)
    params += [LEDGER_LOCK_KEY, ledger_month_now(), *canonical_parts(event.__dict__)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        event.pk, event.seq, event.prev_hash, event.hash, event.ledger_month = cursor.fetchone()


def _append_sqlite(event: AccessEvent) -> None:
    # No savepoint: a caller in a transaction fails as a whole when its event fails.
    with transaction.atomic(savepoint=False):
        head_seq, event.prev_hash, head_month = _lock_and_read_head()
        event.seq = head_seq + 1
        event.ledger_month = _month_after(head_month)
        event.hash = event_hash(event.__dict__)
        event.save(force_insert=True)


@functools.lru_cache(maxsize=4096)  # a batch writes thousands of events for one client
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
    pending = _pending.get()
    if pending is not None:
        # Inside access_events_batched(), so inside a transaction: checked now, written
        # with the others when the block ends; seq and hash are set then. An event that
        # fails marks the transaction for rollback, as the atomic block of
        # _failing_the_callers_transaction would (without entering one per event).
        try:
            event = _pending_event(**fields)
        except BaseException:
            if connection.in_atomic_block:
                connection.needs_rollback = True
            raise
        pending.append(event)
        return event
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


def _event(**fields: Any) -> AccessEvent:
    """The event, checked (before the ledger's lock is taken), not yet written."""
    event = AccessEvent(**_event_fields(**fields))
    _check(event)
    return event


def _event_fields(
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
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    valid_bsns: AbstractSet[str] = frozenset(),
) -> dict[str, Any]:
    """The event's field values, its detail and BSN checked. The one list of an event's
    fields that callers give; the rest come from the request context. For a batch
    (_pending_event): `new_id` makes the event id, `valid_bsns` passed validate_bsn."""
    context = context or request_context.current()
    detail = detail or {}
    try:
        check_detail(detail)
    except ValueError as exc:
        raise ValidationError({"detail": str(exc)}) from exc
    if patient_bsn and not (type(patient_bsn) is str and patient_bsn in valid_bsns):
        validate_bsn(patient_bsn)

    return dict(
        event_id=new_id(),
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


# --- Many events at once ----------------------------------------------------------------------

# What _check looks at, but the BSN: a non-empty one passed validate_bsn (9 digits, within
# its column), so its check cannot fail, and it is the one value that differs from event to
# event of a batch. The rest (the actor, the request, the kind of event) repeats.
_CHECKED_REPEATING = tuple(name for name in {**_CHOICES, **_LENGTHS} if name != "patient_bsn")


def _pending_event(**fields: Any) -> AccessEvent:
    """What _event makes, for an event of a batch at a fraction of the cost (10,000 events
    a second and more; docs/performance.md): the same fields and checks, the checks of the
    values that repeat from event to event done once per distinct set of them; the instance
    made without Model.__init__'s per-field work (audit.bulk.instances_new), and its choices
    as plain values, as the database gives them back (what a COPY takes)."""
    pending = _pending.get()
    values = {
        **defaults_of(AccessEvent)[0],
        **_event_fields(**fields, new_id=_event_ids.next, valid_bsns=pending.valid_bsns),
    }
    repeating = tuple(values[name] for name in _CHECKED_REPEATING)
    try:
        _check_repeating(repeating)
    except TypeError:  # an unhashable value: checked as _event checks it (and refused)
        _check(SimpleNamespace(**values))
    for name in _CHOICES:
        value = values[name]
        if isinstance(value, enum.Enum):
            values[name] = value.value
    (event,) = instances_new(AccessEvent, [values])
    return event


@functools.lru_cache(maxsize=256)
def _check_repeating(values: tuple) -> None:
    """_check of these values (the fields of _CHECKED_REPEATING, the BSN left out): raises
    what _check raises for them; remembers only the sets that passed."""
    _check(SimpleNamespace(patient_bsn="", **dict(zip(_CHECKED_REPEATING, values, strict=True))))


class _EventIds:
    """Random (version 4) UUIDs for a batch's events, as uuid.uuid4 makes them, from
    os.urandom 256 at a time: one system call for each event was ~5% of a batch. Thread-safe;
    a forked child (a gunicorn worker) starts with none of its parent's (os.register_at_fork),
    so no two processes hand out the same ones."""

    BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: list[uuid.UUID] = []
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._ready = []

    def next(self) -> uuid.UUID:
        with self._lock:
            if not self._ready:
                raw = os.urandom(16 * self.BATCH)
                self._ready = [
                    uuid.UUID(bytes=raw[i : i + 16], version=4) for i in range(0, len(raw), 16)
                ]
            return self._ready.pop()


_event_ids = _EventIds()


class _Pending(list):
    """The events recorded inside access_events_batched(), not yet written; and the BSNs
    its caller checked with validate_bsn already (each event's is checked otherwise)."""

    def __init__(self) -> None:
        super().__init__()
        self.valid_bsns: set[str] = set()


_pending: ContextVar[_Pending | None] = ContextVar("audit_pending_events", default=None)


@contextlib.contextmanager
def access_events_batched(*, valid_bsns: Iterable[str] = ()) -> Iterator[list[AccessEvent]]:
    """Events recorded through audit.events inside this block are checked at once (an
    invalid one raises there, as always) and written together when the block ends: one
    ledger lock, one head read, one insert (access_events_append). For a service that
    writes thousands of events in one transaction (registry.batch: a GP practice's batch of
    registrations); one event at a time takes the lock and reads the head each time.

    Only inside a transaction: the caller's changes and their events commit together, and
    nothing reads the pending events' seq or hash before the block ends. A block inside
    another joins it. If the block raises, nothing of it is written (and the caller's
    transaction rolls back as usual).

    `valid_bsns`: patients' BSNs the caller has checked with validate_bsn (it raised for
    none of them): the events of these patients are not checked again."""
    if not connection.in_atomic_block:
        raise RuntimeError("access_events_batched() is for use inside a transaction")
    outer = _pending.get()
    if outer is not None:
        outer.valid_bsns.update(valid_bsns)
        yield outer
        return
    pending = _Pending()
    pending.valid_bsns.update(valid_bsns)
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    access_events_append(pending)


def access_events_append(events: list[AccessEvent]) -> None:
    """Append checked, unwritten events (audit.services._event, via access_events_batched)
    in their order: the ledger lock once (the same advisory lock as audit_ledger_link, on
    SQLite the database's write lock), the head once, each event's seq, prev_hash and hash
    computed here with audit.chain (the formula the PL/pgSQL function and audit_verify use),
    and one COPY (PostgreSQL) or one bulk insert. Inside the caller's transaction; the lock
    is held until it ends."""
    if not events:
        return
    with _failing_the_callers_transaction(), transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The lock first, then the head in a statement of its own: in READ COMMITTED
                # each statement sees what was committed before it began, so the head read
                # after the lock is the one the previous holder left (as in
                # audit_ledger_link).
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
                head_seq, head_hash, head_month = _head_postgresql(cursor)
        else:
            head_seq, head_hash, head_month = _lock_and_read_head()
        month = _month_after(head_month)
        for event in events:
            event.ledger_month = month
        _link(events, head_seq, head_hash)
        rows_insert(AccessEvent, events, json_dumps=_detail_json)


# The head among the last two months' partitions first, as audit_ledger_link reads it
# (migration audit/0018): the indexes of a few partitions, not of five years'.
_HEAD_RECENT_SQL = (
    'SELECT "seq", "hash", "ledger_month" FROM "audit_accessevent" '
    'WHERE "ledger_month" >= %s ORDER BY "seq" DESC LIMIT 1'
)
_HEAD_SQL = (
    'SELECT "seq", "hash", "ledger_month" FROM "audit_accessevent" ORDER BY "seq" DESC LIMIT 1'
)


def _head_postgresql(cursor) -> tuple[int, str, dt.date | None]:
    cursor.execute(_HEAD_RECENT_SQL, [month_add(ledger_month_now(), -1)])
    head = cursor.fetchone()
    if head is None:
        cursor.execute(_HEAD_SQL)
        head = cursor.fetchone()
    return head or (0, GENESIS_HASH, None)


def _link(events: list[AccessEvent], head_seq: int, head_hash: str) -> None:
    """Each event's place in the chain after the head: what audit_ledger_link computes for
    one event, here for many. The canonical JSON of audit.chain (canonical_bytes), built
    from the values as they are: of the hashed fields only occurred_at and event_id need
    converting (canonical_value), and occurred_at repeats within a batch; orjson writes it
    (canonical_dumps_fast) when every field holds a plain JSON type. Anything else (an enum
    member, another datetime or UUID, an integer beyond 64 bits) makes it fall back to
    audit.chain.event_hash for that event: the same text either way."""
    seq, previous = head_seq, head_hash
    times: dict[dt.datetime, str] = {}
    sha256 = hashlib.sha256
    for event in events:
        values = event.__dict__
        seq += 1
        values["seq"], values["prev_hash"] = seq, previous
        at = values["occurred_at"]
        at_text = times.get(at)
        if at_text is None:
            at_text = times[at] = canonical_value(at)
        payload = dict(zip(_HASHED_AS_THEY_ARE, _hashed_as_they_are(values), strict=True))
        payload["occurred_at"] = at_text
        payload["event_id"] = canonical_value(values["event_id"])
        canonical = None
        if _JSON_TYPES.issuperset(map(type, payload.values())):
            try:
                canonical = canonical_dumps_fast(payload)
            except TypeError:  # orjson.JSONEncodeError too
                pass
        if canonical is None:
            values["hash"] = previous = event_hash(values)
        else:
            values["hash"] = previous = sha256(canonical).hexdigest()


def _detail_json(detail: Any) -> bytes | str:
    """An event's detail as JSON for the COPY: orjson, as JSON the same value as json.dumps
    writes — check_detail let only None, booleans, integers, strings, lists and dicts with
    string keys in (no floats, which orjson would write otherwise, NaN as null); what orjson
    refuses (an integer beyond 64 bits, deep nesting) by json.dumps."""
    try:
        return orjson.dumps(detail)
    except TypeError:
        return json.dumps(detail)


# The types a field may hold for canonical_dumps_fast (the detail checked by check_detail).
_JSON_TYPES = frozenset({str, int, bool, type(None), dict})
_HASHED_AS_THEY_ARE = tuple(
    name for name in HASHED_FIELDS if name not in ("occurred_at", "event_id")
)
_hashed_as_they_are = operator.itemgetter(*_HASHED_AS_THEY_ARE)
