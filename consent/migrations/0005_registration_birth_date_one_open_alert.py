"""The patient's birth date on a registration and on an encounter (empty on older rows),
and one open misuse alert per user, organisation and rule: `created_at` becomes
`first_seen_at`, with `last_seen_at` and `hits`. Open alerts that are now duplicates (one
row per throttled request, before) are merged into the oldest of each group first: its hits
are their number, its last time the latest, its detail the latest's. Nothing else is
removed; the table refuses deletion from migration 0006 on."""

import django.utils.timezone
from django.db import migrations, models


def merge_open_duplicates(apps, schema_editor):
    MisuseAlert = apps.get_model("consent", "MisuseAlert")
    MisuseAlert.objects.update(last_seen_at=models.F("first_seen_at"))
    groups = {}
    for alert in MisuseAlert.objects.filter(reviewed=False).order_by("first_seen_at", "id"):
        groups.setdefault((alert.username, alert.organisation_ura, alert.kind), []).append(alert)
    for first, *later in groups.values():
        if not later:
            continue
        first.hits = 1 + len(later)
        first.last_seen_at = later[-1].first_seen_at
        first.detail = later[-1].detail
        first.save(update_fields=["hits", "last_seen_at", "detail"])
        MisuseAlert.objects.filter(pk__in=[alert.pk for alert in later]).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_pointofcareconsent_representative")]

    operations = [
        migrations.AddField(
            model_name="consentregistration",
            name="patient_birth_date",
            field=models.DateField(blank=True, null=True, verbose_name="patient birth date"),
        ),
        migrations.AddField(
            model_name="encounter",
            name="patient_birth_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RenameField(
            model_name="misusealert", old_name="created_at", new_name="first_seen_at"
        ),
        migrations.AddField(
            model_name="misusealert",
            name="last_seen_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="last seen"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="misusealert",
            name="hits",
            field=models.PositiveIntegerField(default=1, verbose_name="hits"),
        ),
        migrations.RunPython(merge_open_duplicates, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="misusealert",
            options={
                "ordering": ["-last_seen_at"],
                "verbose_name": "misuse alert",
                "verbose_name_plural": "misuse alerts",
            },
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="first_seen_at",
            field=models.DateTimeField(verbose_name="first seen"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("search_volume", "Many patients searched in an hour"),
                    ("failed_searches", "Many searches that found nobody"),
                    ("role_granted", "A clinical role was granted"),
                ],
                max_length=32,
                verbose_name="rule",
            ),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="username",
            field=models.CharField(max_length=150, verbose_name="username"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="user_name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="organisation_ura",
            field=models.CharField(blank=True, max_length=8, verbose_name="organisation URA"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="organisation_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="organisation"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="detail",
            field=models.JSONField(default=dict, verbose_name="latest detail"),
        ),
        migrations.AlterField(
            model_name="misusealert",
            name="reviewed",
            field=models.BooleanField(default=False, verbose_name="reviewed"),
        ),
        migrations.AddConstraint(
            model_name="misusealert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reviewed", False)),
                fields=("username", "organisation_ura", "kind"),
                name="misusealert_one_open_per_user_rule",
            ),
        ),
        migrations.AddConstraint(
            model_name="misusealert",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_seen_at__gte", models.F("first_seen_at"))),
                name="misusealert_last_seen_after_first",
            ),
        ),
        migrations.AddIndex(
            model_name="misusealert",
            index=models.Index(
                fields=["organisation_ura", "last_seen_at"], name="misusealert_org_time"
            ),
        ),
    ]
