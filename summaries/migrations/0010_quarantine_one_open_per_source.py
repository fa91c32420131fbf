# The constraint in a migration of its own: PostgreSQL builds no index on a table that the
# same transaction has just updated (0009 merged the duplicates) while triggers are pending.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('summaries', '0009_quarantine_source_key'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='quarantineditem',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('practice', 'source_key'), name='quarantine_one_open_per_source'),
        ),
    ]
