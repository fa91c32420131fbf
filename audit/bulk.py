"""Writing many rows of a model at once: one COPY on PostgreSQL, bulk_create elsewhere.

For the writes of thousands of rows in one request — the ledger's bulk append
(audit.services.access_events_append) and a GP practice's batch of registrations
(registry.batch) — where Django's bulk_create spent most of the request preparing each
value of each row in Python (docs/api.md, "Speed"). A COPY takes the values as they are; the
ids are drawn from the table's own sequence first, so each instance has its pk afterwards as
with bulk_create. The database checks the rows as for an INSERT (constraints, triggers).
tests/audit/test_bulk.py compares the rows with those bulk_create writes.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import gc
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Lookup
from django.db.models.base import ModelState
from psycopg.types.json import Jsonb

# SQLite allows 32,766 parameters in a statement; PostgreSQL's INSERT 65,535.
_BULK_CREATE_BATCH = 1_000


def rows_insert(
    model: type[models.Model],
    objects: Sequence[models.Model],
    *,
    json_dumps: Callable[[Any], str | bytes] | None = None,
) -> None:
    """Insert these new instances (pk not set) of `model` and set their pks. `json_dumps`:
    what writes the JSON fields' values (default: psycopg's, json.dumps)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=_BULK_CREATE_BATCH)
        return
    statement, table, pk_column, values_of, converters = _copy_for(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [_sequence_of(cursor, table, pk_column), len(objects)],
        )
        for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = pk
        # Django's own exceptions (IntegrityError, ...), as for its statements: the COPY
        # goes to psycopg's cursor directly.
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for instance in objects:
                # The row's values in column order in one C call (itemgetter on the
                # instance's __dict__), then only the columns that need converting.
                row = list(values_of(instance.__dict__))
                for position, convert in converters:
                    row[position] = (
                        Jsonb(row[position], json_dumps)
                        if json_dumps is not None and convert is Jsonb
                        else convert(row[position])
                    )
                copy.write_row(row)
    alias = connection.alias
    for instance in objects:
        state = instance._state
        state.adding = False
        state.db = alias


# The sequence behind each table's id column, looked up once per process: asking for it in
# the statement (pg_get_serial_sequence) made PostgreSQL look it up for every row, ~13 ms of
# a batch's 5,000 ids against ~1.6 ms.
_sequences: dict[tuple[str, str], str] = {}


def _sequence_of(cursor, table: str, column: str) -> str:
    key = (table, column)
    if key not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (_sequences[key],) = cursor.fetchone()
    return _sequences[key]


def instances_new(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> list:
    """Unsaved instances of `model` with these values (by attname, e.g. `previous_id`), as
    `model(**values)` makes them, without its per-field work (~25 µs an instance of a model
    of 25 fields; a batch makes 10,000): the instance's __dict__ filled directly, fields not
    given at their default — what unpickling an instance does too. For models without
    pre_init/post_init receivers (tests/audit/test_bulk.py compares with model(**values))."""
    static, dynamic = defaults_of(model)
    new = model.__new__
    made = []
    for values in rows:
        instance = new(model)
        attributes = instance.__dict__
        attributes["_state"] = ModelState()
        attributes.update(static)
        attributes.update(values)
        for attname, field in dynamic:
            if attname not in values:
                attributes[attname] = field.get_default()
        made.append(instance)
    return made


@functools.cache
def defaults_of(model: type[models.Model]) -> tuple[dict[str, Any], tuple]:
    """The fields' defaults, by attname: the fixed ones, and the fields whose default is
    called for each instance (`default=dict`)."""
    static: dict[str, Any] = {}
    dynamic = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            dynamic.append((field.attname, field))
        else:
            static[field.attname] = field.get_default()
    return static, tuple(dynamic)


@functools.cache
def _copy_for(model: type[models.Model]) -> tuple[str, str, str, Callable, tuple]:
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    if any(
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        for field in fields
    ):
        # A COPY does not call pre_save(): such a field would be written empty.
        raise TypeError(f"{model.__name__} has auto_now fields: rows_insert does not fill them")
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    values_of = operator.itemgetter(*(field.attname for field in fields))
    converters = tuple(
        (position, convert)
        for position, field in enumerate(fields)
        if (convert := _converter(field)) is not None
    )
    return statement, model._meta.db_table, model._meta.pk.column, values_of, converters


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """What a value needs before psycopg takes it: JSON wrapped as jsonb, an enum (Django's
    TextChoices) as its value — psycopg would write an Enum's name."""
    if isinstance(field, models.JSONField):
        return Jsonb
    if field.choices:
        return _enum_value
    return None


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (a context manager or a
    decorator). A batch of 5,000 registrations makes some 100,000 objects that live until
    the request ends; each few thousand of them set off a collection, and every so often
    one that walks the whole heap of the process (Django and all): a quarter of a batch's
    CPU time (docs/performance.md). Reference counting still frees what is dropped;
    cycles made in the block are collected at the next collection after it. Enabled again
    only if it was enabled before (a nested or concurrent block leaves it to the outer)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class AnyOf(Lookup):
    """`field__any_of=[...]`: `field = ANY(%s)` with the list as one array parameter on
    PostgreSQL, `IN (...)` elsewhere. For the batches' lists of 5,000 BSNs: an IN list of
    5,000 parameters cost Django and psycopg ~30 ms to build and send, the array ~1 ms
    (registered on CharField in audit.apps)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
        if not self.rhs:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *self.rhs]
