"""Encounter and PointOfCareConsent move here from consent (issue 12): the models of triage
live with the code that uses them. The rows stay: only the tables are renamed, and
consent's migration 0007 forgets the models without touching the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('consent', '0006_misusealert_never_deleted'),
        ('portal', '0001_initial'),
        ('summaries', '0004_encrypt_practice_tokens'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='Encounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(editable=False, unique=True)),
                ('patient_bsn', models.CharField(max_length=9)),
                ('patient_birth_date', models.DateField(blank=True, null=True)),
                ('started_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('ended_reason', models.CharField(blank=True, choices=[('next_patient', 'Another patient was opened'), ('logout', 'Logged out'), ('expired', 'Time limit reached')], max_length=16)),
                ('membership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='portal.membership')),
                ('summary', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='summaries.summary')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='encounters', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='PointOfCareConsent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('answer', models.CharField(choices=[('agrees', 'The patient agrees'), ('refuses', 'The patient refuses'), ('cannot_consent', 'The patient cannot consent (emergency access)')], max_length=16)),
                ('by_representative', models.BooleanField(default=False)),
                ('representative', models.CharField(blank=True, max_length=200)),
                ('indications', models.JSONField(blank=True, default=list)),
                ('emergency_reason', models.CharField(blank=True, choices=[('unconscious', 'Unconscious or not responsive'), ('confused', 'Confused, not able to decide'), ('life_threatening', 'Life-threatening situation, no time to ask'), ('other', 'Other (explain)')], max_length=20)),
                ('emergency_text', models.CharField(blank=True, max_length=500)),
                ('register_lasting', models.BooleanField(default=False)),
                ('recorded_at', models.DateTimeField()),
                ('encounter', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='consent', to='triage.encounter')),
            ],
        ),
        migrations.AddIndex(
            model_name='encounter',
            index=models.Index(fields=['user', 'started_at'], name='encounter_user_time'),
        ),
        migrations.AddConstraint(
            model_name='encounter',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('user',), name='encounter_one_open_per_user'),
        ),
        migrations.AddConstraint(
            model_name='pointofcareconsent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('answer', 'cannot_consent'), _negated=True), models.Q(('emergency_reason', ''), _negated=True), _connector='OR'), name='emergency_access_has_a_reason'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE consent_encounter RENAME TO triage_encounter",
                    "ALTER TABLE triage_encounter RENAME TO consent_encounter",
                ),
                migrations.RunSQL(
                    "ALTER TABLE consent_pointofcareconsent RENAME TO triage_pointofcareconsent",
                    "ALTER TABLE triage_pointofcareconsent RENAME TO consent_pointofcareconsent",
                ),
            ],
            state_operations=state_operations,
        ),
    ]
