"""The GIN index of the patients a supervisor's page named (audit_event_read_patients) made
again with a small pending list (PostgreSQL) instead of none.

Migration audit/0019 turned the pending list off: at its default size (4 MB) a patient's log
read up to a busy hour of recent entries first (1.5 ms at 1M events). Off, every supervisor's
page paid instead: its event adds up to 50 entries, each written into the index's tree on
its own, 0.15-0.2 ms of PostgreSQL's CPU a page (docs/performance.md, "The ledger search's
write"). With `gin_pending_list_limit = 64` (kB, PostgreSQL's least) the entries of some 50
pages wait in the list and are then sorted into the tree at once; a patient's log reads at
most those 64 kB, which measured no slower than no list at all. A partitioned index takes no
ALTER ... SET, hence DROP and CREATE; each month's partition gets the parent's options.
"""

from django.db import migrations

READ_PATIENTS_SMALL_PENDING_LIST = """
DROP INDEX IF EXISTS audit_event_read_patients;
CREATE INDEX audit_event_read_patients ON audit_accessevent
    USING gin ((detail -> 'patients')) WITH (fastupdate = on, gin_pending_list_limit = 64)
    WHERE event_type = 'admin_read';
"""
READ_PATIENTS_NO_PENDING_LIST = """
DROP INDEX IF EXISTS audit_event_read_patients;
CREATE INDEX audit_event_read_patients ON audit_accessevent
    USING gin ((detail -> 'patients')) WITH (fastupdate = off) WHERE event_type = 'admin_read';
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(READ_PATIENTS_SMALL_PENDING_LIST, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(READ_PATIENTS_NO_PENDING_LIST, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0019_patient_log_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
