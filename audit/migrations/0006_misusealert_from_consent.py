"""MisuseAlert moves here from consent (issue 12): monitoring is the ledger's app. The rows,
the constraint and the triggers that refuse DELETE and TRUNCATE stay: only the table is
renamed (triggers follow their table), and consent's migration 0007 forgets the model."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0006_misusealert_never_deleted'),
        ('audit', '0005_event_types_admin_read_role_granted'),
    ]

    state_operations = [
        migrations.CreateModel(
            name='MisuseAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('search_volume', 'Many patients searched in an hour'), ('failed_searches', 'Many searches that found nobody'), ('role_granted', 'A clinical role was granted')], max_length=32, verbose_name='rule')),
                ('first_seen_at', models.DateTimeField(verbose_name='first seen')),
                ('last_seen_at', models.DateTimeField(verbose_name='last seen')),
                ('hits', models.PositiveIntegerField(default=1, verbose_name='hits')),
                ('username', models.CharField(max_length=150, verbose_name='username')),
                ('user_name', models.CharField(max_length=200, verbose_name='name')),
                ('organisation_ura', models.CharField(blank=True, max_length=8, verbose_name='organisation URA')),
                ('organisation_name', models.CharField(blank=True, max_length=200, verbose_name='organisation')),
                ('detail', models.JSONField(default=dict, verbose_name='latest detail')),
                ('reviewed', models.BooleanField(default=False, verbose_name='reviewed')),
            ],
            options={
                'verbose_name': 'misuse alert',
                'verbose_name_plural': 'misuse alerts',
                'ordering': ['-last_seen_at'],
                'indexes': [models.Index(fields=['organisation_ura', 'last_seen_at'], name='misusealert_org_time')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('reviewed', False)), fields=('username', 'organisation_ura', 'kind'), name='misusealert_one_open_per_user_rule'), models.CheckConstraint(condition=models.Q(('last_seen_at__gte', models.F('first_seen_at'))), name='misusealert_last_seen_after_first')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE consent_misusealert RENAME TO audit_misusealert",
                    "ALTER TABLE audit_misusealert RENAME TO consent_misusealert",
                ),
            ],
            state_operations=state_operations,
        ),
    ]
