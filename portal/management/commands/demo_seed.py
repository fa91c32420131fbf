import os

from django.core.management.base import BaseCommand

from portal.demo import ACCOUNTS, DEFAULT_DEMO_PASSWORD, ORGANISATIONS, demo_seed
from portal.models import Organisation


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations and accounts, and print the accounts."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        secrets = demo_seed(password=password)
        out = self.stdout.write
        out("")
        port = os.environ.get("WEB_PORT", "8000")
        out(f"Demo accounts (log in at http://127.0.0.1:{port}/accounts/login/):")
        out(f"  {'username':<12} {'role':<40} {'TOTP secret (authenticator app)':<34} organisation")
        for account in ACCOUNTS:
            # As it is in the database: `make run` names the GP practice after the
            # simulated practice it stands for.
            organisation = Organisation.objects.get(
                ura=ORGANISATIONS[account.organisation]["ura"]
            ).name
            out(
                f"  {account.username:<12} {account.description:<40} "
                f"{secrets[account.username]:<34} {organisation}"
            )
        source = (
            "DEMO_PASSWORD"
            if os.environ.get("DEMO_PASSWORD")
            else "default; set DEMO_PASSWORD to change"
        )
        out(f"  password for all: {password}   ({source})")
        out(
            "  second factor: a TOTP code from the secret above (any authenticator app), or "
            "`python manage.py demo_totp USERNAME` for the current code"
        )
        out("")
