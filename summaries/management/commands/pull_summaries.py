import logging

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from summaries.clients import PracticeUnreachable
from summaries.models import GpPractice
from summaries.services.pull import PracticeBusy, PullCounts, PullFailed, practice_pull


class Command(BaseCommand):
    help = (
        "Pull summaries from GP practices now, with the same code as the Celery task, "
        "and end with a line of counts. Exits with status 1 when a practice's pull failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", metavar="AGB", help="only this practice")
        parser.add_argument("--full", action="store_true", help="everything, not only changes")

    def handle(self, *args, practice: str | None, full: bool, **options):
        practices = GpPractice.objects.filter(is_active=True).order_by("name")
        if practice:
            practices = practices.filter(agb=practice)
            if not practices.exists():
                raise CommandError(f"no active practice with AGB {practice}")
        total = PullCounts()
        failed: list[str] = []
        busy = 0
        quiet = options["verbosity"] < 1
        if options["verbosity"] < 2:
            # The progress bar tells the story; keep the per-practice log lines out of it.
            logging.getLogger("summaries").setLevel(logging.WARNING)
        for gp in practices:
            bar = tqdm(desc=gp.name[:40], unit=" patients", disable=quiet, leave=False)

            def progress(counts: PullCounts, expected: int | None, bar=bar) -> None:
                if expected is not None and bar.total != expected:
                    bar.total = expected
                bar.n = counts.imported + counts.unchanged + counts.quarantined + counts.not_kept
                bar.refresh()

            # Filled in as the pull goes: a pull that fails half-way still counts what it
            # stored and quarantined (a page quarantined before the failure shows).
            counts = PullCounts()
            try:
                practice_pull(practice=gp, full=full, progress=progress, counts=counts)
            except (PracticeUnreachable, PullFailed) as exc:
                failed.append(f"{gp.name} (AGB {gp.agb})")
                self.stderr.write(f"{gp.name} (AGB {gp.agb}): {exc}")
            except PracticeBusy as exc:
                # Another pull (a Celery worker) is at it now: not a failure of this one.
                busy += 1
                self.stderr.write(f"{gp.name} (AGB {gp.agb}): {exc}; skipped")
            finally:
                bar.close()
            total.add(counts)
        line = total.line()
        if busy:
            line += f", skipped (being pulled already) {busy}"
        self.stdout.write(line)
        if failed:
            # A non-zero exit for cron and CI: the line above shows what did get in.
            raise CommandError(
                f"the pull failed for {len(failed)} practice(s): {', '.join(failed)}"
            )
