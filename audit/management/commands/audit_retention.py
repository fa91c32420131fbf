import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from audit.partitions import partition_name, partitioned, partitions_ensure
from audit.retention import (
    RetentionRefused,
    kept_since,
    partition_drop,
    retention_run,
    retention_years,
)


class Command(BaseCommand):
    help = (
        "Keep the ledger's months: make the next ones ahead of time and drop those whose "
        "events are all older than LEDGER_RETENTION_YEARS (five at least), oldest first, "
        "each drop a ledger event. --month asks for one month, which is refused when it is "
        "younger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say which months would go; drop nothing"
        )
        parser.add_argument("--month", help="drop this one month (YYYY-MM) only")

    def handle(self, *args, dry_run: bool, month: str | None, **options):
        if not partitioned():
            self.stdout.write("The ledger is one table here (not PostgreSQL): nothing to drop.")
            return
        actor = Actor.system("audit_retention")
        self.stdout.write(
            f"Kept: {retention_years()} years, every event since {kept_since():%Y-%m-%d %H:%M} UTC."
        )
        try:
            if month:
                name = partition_name(_month(month))
                if dry_run:
                    self.stdout.write(f"Would drop {name} (if allowed).")
                    return
                dropped = partition_drop(name, actor=actor)
                self.stdout.write(f"Dropped {dropped.partition}: {dropped.events} events.")
                return
            for made in [] if dry_run else partitions_ensure():
                self.stdout.write(f"Made {made}.")
            months = retention_run(actor=actor, dry_run=dry_run)
        except RetentionRefused as refusal:
            raise CommandError(f"Refused: {refusal}", returncode=1) from refusal
        verb = "Would drop" if dry_run else "Dropped"
        for partition in months:
            self.stdout.write(
                f"{verb} {partition.name}: events #{partition.first_seq}..#{partition.last_seq}"
                if not partition.empty
                else f"{verb} {partition.name}: no events"
            )
        if not months:
            self.stdout.write("No month is past its retention period.")


def _month(text: str) -> dt.date:
    try:
        year, month = text.split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError as error:
        raise CommandError(f"--month: {text!r} is not a month like 2019-03") from error
