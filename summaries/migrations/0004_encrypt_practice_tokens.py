"""Encrypt the practices' bearer tokens at rest (summaries.tokens), with the first of
PRACTICE_TOKEN_KEYS; backwards, decrypt them again.

In three steps, so that the data step reads and writes the column as plain text: widen it to
text (a ciphertext is longer than the 500 characters of the token), encrypt every row, then
hand the column to the field that encrypts and decrypts (no change in the database).
"""

from django.db import migrations, models

import summaries.tokens


def encrypt_tokens(apps, schema_editor):
    GpPractice = apps.get_model("summaries", "GpPractice")
    practices = list(GpPractice.objects.exclude(token="").only("pk", "token"))
    for practice in practices:
        practice.token = summaries.tokens.encrypt(practice.token)
    GpPractice.objects.bulk_update(practices, ["token"])


def decrypt_tokens(apps, schema_editor):
    GpPractice = apps.get_model("summaries", "GpPractice")
    practices = list(GpPractice.objects.exclude(token="").only("pk", "token"))
    for practice in practices:
        practice.token = summaries.tokens.decrypt(practice.token)
    GpPractice.objects.bulk_update(practices, ["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0003_summary_kept_function"),
    ]

    operations = [
        migrations.AlterField(
            model_name="gppractice",
            name="token",
            field=models.TextField(max_length=500, verbose_name="bearer token"),
        ),
        migrations.RunPython(encrypt_tokens, decrypt_tokens),
        migrations.AlterField(
            model_name="gppractice",
            name="token",
            field=summaries.tokens.EncryptedTokenField(max_length=500, verbose_name="bearer token"),
        ),
    ]
