from django.core.management.base import BaseCommand

from summaries.models import QuarantinedItem
from summaries.services.quarantine import quarantine_reprocess


class Command(BaseCommand):
    help = "Parse open quarantined items again; import those that now read as summaries."

    def add_arguments(self, parser):
        parser.add_argument("--practice", metavar="AGB")
        parser.add_argument("--id", type=int, action="append", dest="ids")

    def handle(self, *args, practice, ids, **options):
        items = QuarantinedItem.objects.filter(status=QuarantinedItem.Status.OPEN)
        if practice:
            items = items.filter(practice__agb=practice)
        if ids:
            items = items.filter(pk__in=ids)
        imported = still = 0
        for item in items.iterator():
            if quarantine_reprocess(item=item):
                imported += 1
            else:
                still += 1
        self.stdout.write(
            f"reprocessed {imported + still}: imported {imported}, still quarantined {still}"
        )
