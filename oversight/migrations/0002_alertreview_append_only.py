"""An alert's review history is never rewritten: the database refuses UPDATE and DELETE of
oversight_alertreview with the ledger's function (audit/0002), as for the events behind an
alert (audit/0011, which says why there is no TRUNCATE trigger)."""

from django.db import migrations

TABLE = "oversight_alertreview"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
        )
    elif vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {op} rejected'); END"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial"), ("audit", "0011_misusealertevent_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
