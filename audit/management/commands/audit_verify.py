import sys

from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from audit.verification import ledger_checkpoint, ledger_verify


class Command(BaseCommand):
    help = (
        "Walk the access ledger's hash chain against its checkpoints and its timestamped "
        "heads. Exits 0 when intact; otherwise exits 1 and names the first broken event "
        "(or the timestamp files that prove nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="walk ranges of the chain side by side in this many processes (PostgreSQL)",
        )
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="when intact, record the head as a checkpoint (catches later cuts at the end)",
        )

    def handle(self, *args, checkpoint: bool, processes: int, **options):
        if processes < 1:
            raise CommandError("--processes: at least 1")

        def progress(checked: int) -> None:
            sys.stderr.write(f"\r  {checked:,} events checked")
            sys.stderr.flush()

        result = ledger_verify(
            progress=progress if options["verbosity"] >= 1 and processes == 1 else None,
            processes=processes,
        )
        if result.checked >= 10_000:
            sys.stderr.write("\n")
        if result.first_break is not None:
            raise CommandError(
                f"Ledger BROKEN at {result.first_break} "
                f"({result.checked} events checked; the last intact event is #{result.head_seq})",
                returncode=1,
            )
        if result.anchor_problems:
            raise CommandError(
                "The ledger's timestamped heads (LEDGER_ANCHOR_DIR) are not whole: "
                + "; ".join(result.anchor_problems),
                returncode=1,
            )
        if result.month_problems:
            raise CommandError(
                "The ledger's months do not follow its chain: " + "; ".join(result.month_problems),
                returncode=1,
            )
        if checkpoint:
            ledger_checkpoint(result=result, actor=Actor.system("audit_verify"))
        kept = (
            f" (kept from #{result.after_seq + 1}: the months before were dropped after "
            "their retention period)"
            if result.after_seq
            else ""
        )
        self.stdout.write(
            f"Ledger intact{kept}: {result.checked} events, head #{result.head_seq} "
            f"sha256 {result.head_hash[:16]}…; {result.timestamped_checked} timestamped "
            "heads outside the database agree"
        )
