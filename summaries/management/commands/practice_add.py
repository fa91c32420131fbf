from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from summaries.services.practices import practice_add


class Command(BaseCommand):
    help = "Register a GP practice (or update the one with this AGB)."

    def add_arguments(self, parser):
        parser.add_argument("--agb", required=True)
        parser.add_argument("--ura", default="")
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="the practice's FHIR base URL")
        parser.add_argument(
            "--token", required=True, help="bearer token for its FHIR endpoint (stored encrypted)"
        )
        parser.add_argument("--interval", type=int, default=60, help="pull every N minutes")

    def handle(self, *args, agb, ura, name, url, token, interval, **options):
        try:
            practice, created = practice_add(
                agb=agb,
                ura=ura,
                name=name,
                url=url,
                token=token,
                pull_interval_minutes=interval,
                actor=Actor.system("practice_add"),
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"--{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            )
            raise CommandError(f"practice not registered: {problems}") from exc
        verb = "registered" if created else "updated"
        self.stdout.write(
            f"{verb} {practice.name} (AGB {practice.agb}) at {practice.fhir_base_url}"
        )
