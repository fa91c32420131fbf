"""Encounter and PointOfCareConsent now belong to triage, MisuseAlert to audit: their
migrations took over the tables; this one only forgets the models here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0006_misusealert_never_deleted'),
        ('triage', '0001_initial'),
        ('audit', '0006_misusealert_from_consent'),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name='encounter',
            name='membership',
        ),
        migrations.RemoveField(
            model_name='encounter',
            name='summary',
        ),
        migrations.RemoveField(
            model_name='encounter',
            name='user',
        ),
        migrations.RemoveField(
            model_name='pointofcareconsent',
            name='encounter',
        ),
        migrations.DeleteModel(
            name='MisuseAlert',
        ),
        migrations.DeleteModel(
            name='Encounter',
        ),
        migrations.DeleteModel(
            name='PointOfCareConsent',
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
