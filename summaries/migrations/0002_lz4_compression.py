"""Compress the stored summaries with lz4 where PostgreSQL has it (PostgreSQL 14+ built
with lz4, as Debian's is): storing a page becomes markedly cheaper than with pglz
(docs/performance.md). Elsewhere nothing changes."""

from django.db import migrations

COLUMNS = ("sections", "source")


def lz4_available(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def forwards(apps, schema_editor):
    if lz4_available(schema_editor):
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE summaries_summary ALTER COLUMN {column} SET COMPRESSION lz4"
            )


def backwards(apps, schema_editor):
    if lz4_available(schema_editor):
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE summaries_summary ALTER COLUMN {column} SET COMPRESSION pglz"
            )


class Migration(migrations.Migration):
    dependencies = [("summaries", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
