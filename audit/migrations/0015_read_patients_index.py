"""The patients a supervisor's ledger page showed, indexed (PostgreSQL): the page writes one
event naming them in detail.patients (audit.events.ledger_searched), and each patient's own
log (issue 16) finds those events with `detail -> 'patients' ? <bsn>`. Partial: only the
ledger's reads carry the key. Other databases read them without an index."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS audit_event_read_patients ON audit_accessevent "
    "USING gin ((detail -> 'patients')) WHERE event_type = 'admin_read'"
)
DROP = "DROP INDEX IF EXISTS audit_event_read_patients"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0014_ledgercheckpoint_timestamp_token")]

    operations = [migrations.RunPython(forwards, backwards)]
