"""One round trip to take the ledger's lock and read its head (PostgreSQL).

Every page that shows patient data appends an event, so the two statements
"lock" and "read the head" were two round trips on every such page. In a
VOLATILE PL/pgSQL function each statement takes a fresh snapshot (READ
COMMITTED), so the SELECT after the lock sees the event the previous holder
committed: the same guarantee as two statements from the client.
SQLite (the embedded default) needs no function: see audit.services.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_ledger_head(lock_key bigint, OUT head_seq bigint, OUT head_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT seq, hash INTO head_seq, head_hash
        FROM audit_accessevent ORDER BY seq DESC LIMIT 1;
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_ledger_head(bigint)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
