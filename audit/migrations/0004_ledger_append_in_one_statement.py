"""Appending to the ledger in one statement (PostgreSQL).

The portal sends the event's canonical JSON in three parts (audit.chain.canonical_parts);
this function takes the ledger's lock, reads the head, and returns the new event's seq,
prev_hash and hash (SHA-256 of the joined parts, the same formula as audit.chain.event_hash),
which the same INSERT … SELECT writes. Before, an event was four round trips (BEGIN, lock and
head, INSERT, COMMIT) with the lock held across them.

In a VOLATILE PL/pgSQL function each statement takes a fresh snapshot (READ COMMITTED), so
the SELECT after the lock sees the event the previous holder committed. The lock is a
transaction lock: held until the caller's transaction ends, or until this statement commits.

audit_ledger_head (migration 0003) is left in place: web processes of the previous release
still call it until they are restarted (a rolling deploy); a later migration may drop it.

Also drops the two `_like` indexes Django made for the unique hash columns: nothing searches
hashes with LIKE, and every event paid for them.
SQLite (the embedded default) needs none of this: see audit.services.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_ledger_link(
    lock_key bigint, head text, middle text, tail text,
    OUT seq bigint, OUT prev_hash text, OUT hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.seq, e.hash INTO seq, prev_hash
        FROM audit_accessevent e ORDER BY e.seq DESC LIMIT 1;
    seq := coalesce(seq, 0) + 1;
    prev_hash := coalesce(prev_hash, repeat('0', 64));
    hash := encode(sha256(convert_to(head || prev_hash || middle || seq::text || tail, 'UTF8')), 'hex');
END
$$;
DROP INDEX IF EXISTS audit_accessevent_hash_41b82ecb_like;
DROP INDEX IF EXISTS audit_accessevent_prev_hash_073b0425_like;
"""

RESTORE = """
DROP FUNCTION IF EXISTS audit_ledger_link(bigint, text, text, text);
CREATE INDEX IF NOT EXISTS audit_accessevent_hash_41b82ecb_like
    ON audit_accessevent (hash varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS audit_accessevent_prev_hash_073b0425_like
    ON audit_accessevent (prev_hash varchar_pattern_ops);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_ledger_head_function")]
    operations = [migrations.RunPython(forwards, backwards)]
