from django.core.management.base import BaseCommand, CommandError

from portal.demo import demo_totp_secret
from portal.models import User
from portal.totp import totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (instead of an authenticator app)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}; run `python manage.py demo_seed` first")
        self.stdout.write(totp_code(demo_totp_secret(user)))
