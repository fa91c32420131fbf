from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from summaries.services.practices import practice_tokens_rotate
from summaries.tokens import TokenUnreadable


class Command(BaseCommand):
    help = (
        "Re-encrypt every GP practice's bearer token with the first of PRACTICE_TOKEN_KEYS. "
        "Key rotation: put the new key first, run this, then drop the old key."
    )

    def handle(self, *args, **options):
        try:
            count = practice_tokens_rotate(actor=Actor.system("practice_tokens_rotate"))
        except TokenUnreadable as exc:
            raise CommandError(f"nothing re-encrypted: {exc}") from exc
        self.stdout.write(f"{count} practice token(s) re-encrypted with the first key")
