"""summary_kept() is no longer used: the summary page logs its view and then reads the
summary in a statement of its own, in one transaction (triage.summary), which sees a purge
committed while the event waited for the ledger's lock (READ COMMITTED)."""

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
        schema_editor.execute("DROP FUNCTION IF EXISTS summary_kept(bigint, text)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("summaries", "0004_encrypt_practice_tokens")]
    operations = [migrations.RunPython(forwards, backwards)]
