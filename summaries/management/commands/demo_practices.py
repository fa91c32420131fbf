import httpx
from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from portal.models import Organisation
from summaries.services.practices import practices_register


class Command(BaseCommand):
    help = (
        "Register every practice a GP practice simulator plays (`make run` uses this), "
        "and link the demo GP's organisation to the first one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--simulator", required=True, help="e.g. http://127.0.0.1:8800")

    def handle(self, *args, simulator: str, **options):
        try:
            listing = httpx.get(f"{simulator.rstrip('/')}/_admin/practices", timeout=10).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise CommandError(f"cannot read the practice list of {simulator}: {exc}") from exc
        practices_register(listing=listing, actor=Actor.system("demo_practices"))
        if listing:
            # The demo GP works at the first simulated practice, so GP pages
            # show real (simulated) patients.
            first = listing[0]
            Organisation.objects.update_or_create(
                agb=first["agb"],
                defaults={
                    "kind": Organisation.Kind.GP_PRACTICE,
                    "name": first["name"],
                    "ura": first["ura"],
                },
            )
        self.stdout.write(f"{len(listing)} GP practices registered from {simulator}")
