"""The organisation's ledger as FHIR R4 AuditEvents (IHE BALP), for its privacy officer's
systems (the API) and for operations (the management command): read, then logged — one
ledger event per patient whose events were handed out (NEN 7513: the patient's own log
shows the export), all in one transaction; nothing is handed out if they cannot be
written."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.fhir import audit_event_resource
from audit.services import access_events_batched
from audit.verification import ledger_head_seq
from oversight.export.selectors import ExportQuery, export_page
from portal.models import Organisation


@dataclass(frozen=True)
class ExportPage:
    resources: list[dict]  # FHIR AuditEvent resources, oldest first
    next_query: ExportQuery | None  # the next page's; None at the end


@transaction.atomic
def audit_events_export(
    *, organisation: Organisation, actor: Actor, query: ExportQuery
) -> ExportPage:
    """A page of the organisation's own events (never another's: the organisation is the
    caller's, from its key or the command's argument) as AuditEvents; logged. The first
    page fixes the ledger's head (`until`), which the next pages keep."""
    if not query.until:
        query = replace(query, until=ledger_head_seq())
    found, more = export_page(organisation.ura, query)
    patients = sorted({event["patient_bsn"] for event in found if event["patient_bsn"]})
    if query.bsn and query.bsn not in patients:
        patients.append(query.bsn)
    with access_events_batched(valid_bsns={event["patient_bsn"] for event in found}):
        for bsn in patients or [""]:
            events.ledger_exported(
                actor=actor, asked=query.detail(), exported=len(found), patient_bsn=bsn
            )
    return ExportPage(
        resources=[audit_event_resource(event) for event in found],
        next_query=replace(query, after=found[-1]["seq"]) if more else None,
    )
