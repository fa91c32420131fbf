"""Misuse alerts are never deleted: the database refuses DELETE on consent_misusealert, with
the ledger's function (audit/0002). UPDATE stays allowed: a later hit counts on the open
alert, and the supervisor marks it reviewed (consent.alerts, the admin).

TRUNCATE is refused too, unless the table is empty (the ledger's function lets that through:
the test runner empties tables with TRUNCATE after tests/conftest.py removed a committed
test's alerts under session_replication_role). SQLite (the embedded default) has no TRUNCATE
and gets the same DELETE rule as its ledger."""

from django.db import migrations

TABLE = "consent_misusealert"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_never_deleted BEFORE DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_never_deleted BEFORE DELETE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} keeps every alert: DELETE rejected'); END"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_never_deleted ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_never_deleted")


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0005_registration_birth_date_one_open_alert"),
        ("audit", "0002_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
