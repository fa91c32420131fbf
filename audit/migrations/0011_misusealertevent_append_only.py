"""The events behind an alert stay as they were linked: the database refuses UPDATE and
DELETE of audit_misusealertevent, with the ledger's function (audit/0002), as alerts are
never deleted (consent/0006).

No TRUNCATE trigger: the ledger's function lets TRUNCATE through only for an empty table,
and the test runner empties every table with one TRUNCATE after tests/conftest.py removed a
committed test's events and alerts, which leaves these rows to that TRUNCATE (conftest.py
would have to delete them first, under session_replication_role, as it does for the
alerts)."""

from django.db import migrations

TABLE = "audit_misusealertevent"


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
    dependencies = [("audit", "0010_monitoring")]
    operations = [migrations.RunPython(forwards, backwards)]
