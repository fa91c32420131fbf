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

import enum
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Lookup
from psycopg.types.json import Jsonb

# SQLite allows 32,766 parameters in a statement; PostgreSQL's INSERT 65,535.
_BULK_CREATE_BATCH = 1_000


def rows_insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert these new instances (pk not set) of `model` and set their pks."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=_BULK_CREATE_BATCH)
        return
    statement, table, pk_column, converters = _copy_for(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk_column, len(objects)],
        )
        for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = pk
        # Django's own exceptions (IntegrityError, ...), as for its statements: the COPY
        # goes to psycopg's cursor directly.
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for instance in objects:
                values = instance.__dict__
                copy.write_row(
                    [
                        convert(values[attname]) if convert else values[attname]
                        for attname, convert in converters
                    ]
                )
    for instance in objects:
        instance._state.adding = False
        instance._state.db = connection.alias


@functools.cache
def _copy_for(model: type[models.Model]) -> tuple[str, str, str, tuple]:
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
    converters = tuple((field.attname, _converter(field)) for field in fields)
    return statement, model._meta.db_table, model._meta.pk.column, converters


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """What a value needs before psycopg takes it: JSON wrapped as jsonb, an enum (Django's
    TextChoices) as its value — psycopg would write an Enum's name."""
    if isinstance(field, models.JSONField):
        return lambda value: Jsonb(value)
    if field.choices:
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return None


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
