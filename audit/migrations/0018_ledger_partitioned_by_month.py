"""The ledger partitioned by month on PostgreSQL (issue 16, "five years and beyond").

audit_accessevent becomes a table PARTITION BY RANGE (ledger_month), one partition a month,
named audit_accessevent_yYYYYmMM. ledger_month is the month (UTC) an event was written in,
never earlier than the event before it (audit_ledger_link takes the greater of the writer's
month and the head's): each partition holds one unbroken stretch of the chain, and the
oldest can be dropped whole (audit.retention) without cutting a hole in what remains.
Existing events are filed by their occurred_at, by the same rule (the running greatest
month in seq order).

What holds across partitions:
- append-only: the row trigger on the parent is cloned to every partition (UPDATE and
  DELETE refused there too); TRUNCATE is refused by a statement trigger on the parent and on
  each partition (audit_ledger_partition_ensure adds it);
- the chain: seq, event_id, prev_hash and hash are unique together with ledger_month (a
  partitioned table's unique constraints must hold its partition key); the ledger lock
  keeps writers from forking the chain, and audit_verify finds any duplicate or gap;
- dropping: an event trigger refuses to DROP a ledger partition younger than five years —
  where the migration runs as a superuser (only a superuser can create one); otherwise the
  migration says so and the retention job's own refusal is what holds.

The rows are copied once into the new table (one INSERT … SELECT). The previous
link function is replaced: it wrote no ledger_month, so it cannot run beside this one.
"""

from django.db import migrations, models

# One partition: created where missing, with its own TRUNCATE trigger (statement triggers
# are not cloned to partitions). Used by this migration and by audit.partitions.
ENSURE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_ledger_partition_ensure(month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('audit_accessevent_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
BEGIN
    IF month <> date_trunc('month', month)::date THEN
        RAISE EXCEPTION 'a ledger partition begins on the first of a month, not on %', month;
    END IF;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_accessevent FOR VALUES FROM (%L) TO (%L)',
        name, month, (month + interval '1 month')::date);
    EXECUTE format(
        'CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
        'EXECUTE FUNCTION audit_reject_change()', name || '_no_truncate', name);
    RETURN true;
END
$$;
"""

# As migration 0004's, with the month: the head is looked for among the last two months
# first (the partitions' indexes of a few months, not of five years), then everywhere (a
# ledger that was quiet for longer).
LINK_FUNCTION = """
DROP FUNCTION IF EXISTS audit_ledger_link(bigint, text, text, text);
CREATE OR REPLACE FUNCTION audit_ledger_link(
    lock_key bigint, month date, head text, middle text, tail text,
    OUT seq bigint, OUT prev_hash text, OUT hash text, OUT ledger_month date)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.seq, e.hash, e.ledger_month INTO seq, prev_hash, ledger_month
        FROM audit_accessevent e
        WHERE e.ledger_month >= (month - interval '1 month')::date
        ORDER BY e.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT e.seq, e.hash, e.ledger_month INTO seq, prev_hash, ledger_month
            FROM audit_accessevent e ORDER BY e.seq DESC LIMIT 1;
    END IF;
    seq := coalesce(seq, 0) + 1;
    prev_hash := coalesce(prev_hash, repeat('0', 64));
    ledger_month := greatest(month, ledger_month);
    hash := encode(sha256(convert_to(head || prev_hash || middle || seq::text || tail, 'UTF8')), 'hex');
END
$$;
"""

# The backstop for retention: no ledger partition younger than five years is dropped, by
# anyone but a superuser who first disables this trigger. The same five years as
# audit.retention.RETENTION_YEARS_MINIMUM.
REFUSE_YOUNG_DROP = """
CREATE OR REPLACE FUNCTION audit_ledger_refuse_young_drop() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    dropped record;
    month date;
BEGIN
    FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects()
            WHERE object_type = 'table' LOOP
        IF dropped.object_name ~ '^audit_accessevent_y[0-9]{4}m[0-9]{2}$' THEN
            month := make_date(substr(dropped.object_name, 20, 4)::int,
                               substr(dropped.object_name, 25, 2)::int, 1);
            IF month + interval '1 month' > now() - interval '5 years' THEN
                RAISE EXCEPTION 'ledger partition % is younger than five years: not dropped',
                    dropped.object_name USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
    END LOOP;
END
$$;
DROP EVENT TRIGGER IF EXISTS audit_ledger_refuse_young_drop;
CREATE EVENT TRIGGER audit_ledger_refuse_young_drop ON sql_drop
    EXECUTE FUNCTION audit_ledger_refuse_young_drop();
"""

MONTHS_AHEAD = 3


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # The indexes that are not constraints, as they are defined now: made again, with
        # the same names, on the partitioned table.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_accessevent' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'audit_accessevent'::regclass)"
        )
        index_definitions = [definition for _name, definition in cursor.fetchall()]
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
    run = schema_editor.execute
    run(
        "CREATE TABLE audit_accessevent_partitioned (LIKE audit_accessevent "
        "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
        "PARTITION BY RANGE (ledger_month)"
    )
    run("ALTER TABLE audit_accessevent_partitioned ALTER COLUMN ledger_month SET NOT NULL")
    run(
        "ALTER TABLE audit_accessevent_partitioned ADD CONSTRAINT "
        "audit_accessevent_ledger_month_first_day CHECK (extract(day FROM ledger_month) = 1)"
    )
    # Each existing event's month: the greatest month of its occurred_at so far in seq order.
    run(
        "CREATE TEMPORARY TABLE audit_ledger_months ON COMMIT DROP AS "
        "SELECT id, (max(date_trunc('month', occurred_at AT TIME ZONE 'UTC')) "
        "OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING))::date AS month FROM audit_accessevent"
    )
    # Rename the old table first: the function names the partitions after the new one.
    run("ALTER TABLE audit_accessevent RENAME TO audit_accessevent_unpartitioned")
    run("ALTER TABLE audit_accessevent_partitioned RENAME TO audit_accessevent")
    run(ENSURE_FUNCTION, params=None)
    run(
        "SELECT audit_ledger_partition_ensure(month::date) FROM generate_series("
        "  coalesce((SELECT min(month) FROM audit_ledger_months),"
        "           date_trunc('month', now() AT TIME ZONE 'UTC')::date),"
        "  date_trunc('month', now() AT TIME ZONE 'UTC')::date"
        f"    + interval '{MONTHS_AHEAD} months',"
        "  interval '1 month') AS month",
        params=None,
    )
    columns = ", ".join(
        f'"{field.column}"'
        for field in apps.get_model("audit", "AccessEvent")._meta.concrete_fields
        if field.column != "ledger_month"
    )
    run(
        f"INSERT INTO audit_accessevent ({columns}, ledger_month) "  # noqa: S608
        f"OVERRIDING SYSTEM VALUE SELECT {', '.join('e.' + c for c in columns.split(', '))}, "
        "m.month FROM audit_accessevent_unpartitioned e JOIN audit_ledger_months m USING (id)"
    )
    run("DROP TABLE audit_accessevent_unpartitioned")
    run(
        "ALTER SEQUENCE audit_accessevent_partitioned_id_seq RENAME TO audit_accessevent_id_seq"
    )
    run(
        "SELECT setval('audit_accessevent_id_seq', coalesce(max(id), 0) + 1, false) "
        "FROM audit_accessevent"
    )
    for name, columns in (
        ("pkey", "PRIMARY KEY (id, ledger_month)"),
        ("seq_key", "UNIQUE (seq, ledger_month)"),
        ("event_id_key", "UNIQUE (event_id, ledger_month)"),
        ("prev_hash_key", "UNIQUE (prev_hash, ledger_month)"),
        ("hash_key", "UNIQUE (hash, ledger_month)"),
    ):
        run(f"ALTER TABLE audit_accessevent ADD CONSTRAINT audit_accessevent_{name} {columns}")
    for definition in index_definitions:
        run(definition)
    run(
        "CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE "
        "ON audit_accessevent FOR EACH ROW EXECUTE FUNCTION audit_reject_change()"
    )
    run(
        "CREATE TRIGGER audit_accessevent_no_truncate BEFORE TRUNCATE ON audit_accessevent "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()"
    )
    run(LINK_FUNCTION, params=None)
    if superuser:
        run(REFUSE_YOUNG_DROP, params=None)
    else:
        print(
            "\n  audit 0018: not a superuser, so no event trigger refuses to drop young ledger "
            "partitions; the retention job's own refusal holds (docs/ledger.md)."
        )


def backwards(apps, schema_editor):
    raise RuntimeError(
        "audit 0018 cannot be reversed: the ledger stays partitioned (a copy back into one "
        "table would be a new migration)"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0017_alter_accessevent_event_type'),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='ledger_month',
            field=models.DateField(editable=False, null=True, verbose_name='ledger month'),
        ),
        migrations.AlterField(
            model_name='accessevent',
            name='event_type',
            field=models.CharField(choices=[('patient_search', 'Patient search'), ('summary_view', 'Summary viewed'), ('consent_recorded', 'Consent recorded'), ('consent_refused', 'Consent refused'), ('consent_registration', 'Consent registration changed'), ('access_denied', 'Access denied'), ('emergency_access', 'Emergency access'), ('report_generated', 'Report generated'), ('summary_purged', 'Summary purged'), ('policy_changed', 'Policy changed'), ('login', 'Login'), ('login_failed', 'Failed login'), ('logout', 'Logout'), ('admin_change', 'Administrative change'), ('admin_read', 'Logs or security settings read'), ('role_granted', 'Clinical role granted'), ('ledger_verified', 'Ledger verified'), ('registry_view', 'Registry and consultations read'), ('alert_reviewed', 'Misuse alert reviewed'), ('contacts_uploaded', 'Contact registrations uploaded'), ('activation_code_issued', 'Activation code issued'), ('patient_account_opened', "Patient's account opened"), ('patient_log_read', 'Own access log read by the patient'), ('ledger_partition_dropped', 'Ledger month removed (retention)')], max_length=32, verbose_name='event type'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
