"""summary_kept(id, bsn): whether the summary is still kept, seen with a fresh snapshot
(PostgreSQL).

The summary page reads its summary in the statement that logs the view
(audit.services.access_event_record_reading). That statement's snapshot is taken when it
starts, before it waits for the ledger's lock; a refusal and purge that held the lock and
committed meanwhile would not be seen, and the purged summary shown, logged after its
purge. A VOLATILE PL/pgSQL function takes a fresh snapshot for each of its statements: called
in the read, after the lock is held, it sees the purge. SQLite needs none: its write lock is
held from BEGIN IMMEDIATE, before the read.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION summary_kept(summary_id bigint, patient_bsn text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM summaries_summary s WHERE s.id = summary_id AND s.bsn = patient_bsn);
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS summary_kept(bigint, text)")


class Migration(migrations.Migration):
    dependencies = [("summaries", "0002_lz4_compression")]
    operations = [migrations.RunPython(forwards, backwards)]
