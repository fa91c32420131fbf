from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from oversight.monitoring.scan import monitoring_scan
from oversight.reconciliation.services import contacts_reconcile_upload
from oversight.reports.services import monthly_reports_request, report_build


@shared_task(
    name="oversight.monitoring_scan",
    acks_late=True,
    # A lost connection or a deadlock with another writer: the scan rolled back whole.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def monitoring_scan_task() -> dict:
    """Every few minutes (CELERY_BEAT_SCHEDULE): the monitoring rules over the ledger's new
    events (oversight.monitoring, docs/monitoring.md). A ledger that grew by more than one
    batch (MONITORING_SCAN_MAX_EVENTS) is read a batch per task: each batch commits, then
    the task enqueues the next."""
    result = monitoring_scan(now=timezone.now())
    if result.more:
        monitoring_scan_task.delay()
    return result.as_dict()


@shared_task(
    name="oversight.contacts_reconcile",
    acks_late=True,
    # A lost connection or a deadlock: the run rolled back whole, and is safe to repeat.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def contacts_reconcile_task(upload_id: int) -> dict:
    """After an upload of contact registrations commits: reconciliation over the period it
    covers (oversight.reconciliation.services, docs/reconciliation.md)."""
    return contacts_reconcile_upload(upload_id=upload_id).as_dict()


@shared_task(
    name="oversight.report_build",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def report_build_task(report_id: int) -> dict:
    """Builds one access report (oversight.reports.services.report_build)."""
    report = report_build(report_id)
    return {"report": report.pk, "state": report.state, "pages": report.pages}


@shared_task(name="oversight.reports_monthly", acks_late=True)
def reports_monthly_task() -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): the previous month's report of every HAP and SEH, once."""
    made = monthly_reports_request(today=timezone.localdate())
    return {"requested": len(made)}
