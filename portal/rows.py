"""Model instances from hand-written SQL, for the few queries on every patient page.

The ORM compiles a queryset into SQL on every request; for the joins and the
registry subquery of the triage pages that cost ~0.5–1 ms of Python per query,
several times what PostgreSQL needs to answer (docs/performance.md, "Lookup").
These helpers keep such SQL tied to the models: the column lists come from the
models' own fields, and the rows come back as ordinary model instances (with the
fields' own conversions, e.g. JSON), so the rest of the code cannot tell.
"""

from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

# A part of a row: a model, or a model and the fields left out (deferred, as .defer() would).
Part = type[Model] | tuple[type[Model], tuple[str, ...]]


@functools.cache
def _fields(part: Part) -> tuple:
    model, left_out = part if isinstance(part, tuple) else (part, ())
    return tuple(field for field in model._meta.concrete_fields if field.name not in left_out)


def only(model: type[Model], *names: str) -> Part:
    """A part with the primary key and these fields; the others deferred."""
    for name in names:
        model._meta.get_field(name)  # FieldDoesNotExist on a misspelling
    keep = {model._meta.pk.name, *names}
    return (model, tuple(f.name for f in model._meta.concrete_fields if f.name not in keep))


def _model(part: Part) -> type[Model]:
    return part[0] if isinstance(part, tuple) else part


def columns(part: Part, alias: str) -> str:
    """The SELECT list for the concrete fields of a model (but those left out), in order."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(part))


@functools.cache
def _plan(part: Part, vendor: str) -> tuple[type[Model], frozenset, tuple]:
    """How a row becomes an instance on this database: the model, the fields' attnames,
    and for the fields that need them only (JSON text to objects; on SQLite also dates,
    booleans, UUIDs) the conversions the ORM would apply: (position, column, converters)."""
    db = connections[DEFAULT_DB_ALIAS]
    conversions = []
    for position, field in enumerate(_fields(part)):
        col = field.get_col(_model(part)._meta.db_table)
        converters = db.ops.get_db_converters(col) + col.get_db_converters(db)
        if converters:
            conversions.append((position, col, tuple(converters)))
    attnames = frozenset(field.attname for field in _fields(part))
    return _model(part), attnames, tuple(conversions)


def instance(part: Part, values: tuple | list) -> Model | None:
    """A model instance from the values `columns(part, …)` selected; None when the
    row was the NULL side of an outer join. Fields left out are deferred."""
    if values[0] is None and _fields(part)[0].primary_key:
        return None
    # One lookup of the connection: each use of the `connection` proxy costs one.
    db = connections[DEFAULT_DB_ALIAS]
    model, attnames, conversions = _plan(part, db.vendor)
    if conversions:
        values = list(values)
        for position, col, converters in conversions:
            value = values[position]
            for convert in converters:
                value = convert(value, col, db)
            values[position] = value
    # from_db() marks the model's other fields deferred; it needs only `in` of the names.
    return model.from_db(db.alias, attnames, values)


def param(model: type[Model], name: str, value):
    """A value as the ORM would send it for that field (UUIDs as text on SQLite)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


@functools.cache
def _insert_statement(model: type[Model], first: str | None = None) -> tuple[str, tuple]:
    pk = model._meta.pk
    if not getattr(pk, "db_returning", False):
        raise TypeError(f"{model.__name__}: rows.insert needs a key the database generates")
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    table = model._meta.db_table
    columns = ", ".join(f'"{field.column}"' for field in fields)
    values = ", ".join(["%s"] * len(fields))
    if first is None:
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({values}) RETURNING "{pk.column}"'  # noqa: S608
    else:
        # The INSERT reads the count of the rows `first` changed, so `first` runs to the
        # end before the row is inserted (a data-modifying WITH that nothing reads would
        # run after the main statement): a unique constraint sees its changes.
        sql = (
            f"WITH first AS ({first} RETURNING 1) "  # noqa: S608 (our SQL; values are parameters)
            f'INSERT INTO "{table}" ({columns}) SELECT {values} '
            f'FROM (SELECT count(*) FROM first) AS done RETURNING "{pk.column}"'
        )
    return sql, fields


def insert(obj: Model, *, first: tuple[str, list] | None = None) -> None:
    """Insert a new row for `obj` as obj.save(force_insert=True) would (without signals:
    none are used here) and set its primary key, with a statement built once per model.
    `first`, an UPDATE or DELETE (SQL and parameters) to run before the insert: on
    PostgreSQL in the same statement, one round trip; elsewhere as a statement of its own.
    Needs INSERT … RETURNING: PostgreSQL, SQLite 3.35 or newer."""
    if not connection.features.can_return_columns_from_insert:
        raise NotImplementedError(f"{connection.vendor}: INSERT … RETURNING is needed")
    params = []
    if first is not None and connection.vendor == "postgresql":
        sql, fields = _insert_statement(type(obj), first[0])
        params.extend(first[1])
    else:
        if first is not None:
            with connection.cursor() as cursor:
                cursor.execute(*first)
        sql, fields = _insert_statement(type(obj))
    params.extend(
        field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields
    )
    obj.pk = fetch_one(sql, params)[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def split(row: tuple, *parts: Part) -> list:
    """Cut one row into consecutive slices, one instance per part, plus what is left over."""
    out, start = [], 0
    for part in parts:
        end = start + len(_fields(part))
        out.append(instance(part, row[start:end]))
        start = end
    out.extend(row[start:])
    return out


def fetch_one(sql: str, params: list | tuple) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: list | tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
