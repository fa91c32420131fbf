"""python manage.py audit_export_fhir --organisation URA [--patient BSN] [--from DAY] [--to DAY]
[--output FILE]: an organisation's ledger as FHIR R4 AuditEvents (IHE BALP), one JSON
resource per line (NDJSON, FHIR's bulk format), oldest first; for operations and for an
organisation without a system that calls the API. The same service as the API
(oversight.export.services): 500 events a page, each page logged per patient."""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.actors import Actor
from audit.identifiers import validate_bsn
from oversight.export.selectors import MAX_COUNT, ExportQuery
from oversight.export.services import audit_events_export
from portal.models import Organisation


def _day(name: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name}: {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Write an organisation's ledger as FHIR R4 AuditEvents (IHE BALP), as NDJSON."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's URA")
        parser.add_argument("--patient", help="one patient's BSN")
        parser.add_argument("--from", dest="first", help="first day (YYYY-MM-DD, Dutch time)")
        parser.add_argument("--to", dest="last", help="last day, included")
        parser.add_argument("--output", help="a file (default: standard output)")

    def handle(self, *args, organisation, patient, first, last, output, **options):
        found = Organisation.objects.filter(ura=organisation).first() if organisation else None
        if found is None:
            raise CommandError(f"--organisation: no organisation with URA {organisation!r}")
        if patient:
            try:
                validate_bsn(patient)
            except ValidationError as error:
                raise CommandError(f"--patient: {' '.join(error.messages)}") from None
        query = ExportQuery(
            bsn=patient or "", first=_day("from", first), last=_day("to", last), count=MAX_COUNT
        )
        if query.first and query.last and query.last < query.first:
            raise CommandError("--to lies before --from")
        # The organisation's own events, logged under its name (its supervisors see them).
        actor = Actor(
            username="system:audit_export_fhir",
            name="audit_export_fhir",
            organisation_ura=found.ura,
            organisation_agb=found.agb,
            organisation_name=found.name,
        )
        written = 0
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            while True:
                page = audit_events_export(organisation=found, actor=actor, query=query)
                for resource in page.resources:
                    stream.write(json.dumps(resource, ensure_ascii=False) + "\n")
                written += len(page.resources)
                if page.next_query is None:
                    break
                query = page.next_query
        finally:
            if output:
                stream.close()
        self.stderr.write(f"{written} AuditEvents of {found.name} written")
