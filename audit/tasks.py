import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from audit.actors import Actor
from audit.monitoring.scan import monitoring_scan
from audit.verification import ledger_checkpoint, ledger_verify

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify_ledger", acks_late=True)
def verify_ledger_task() -> dict:
    """Nightly: verify the chain; anchor the head when intact, alert when not."""
    result = ledger_verify()
    if result.intact:
        ledger_checkpoint(result=result, actor=Actor.system("audit.verify_ledger"))
    else:
        logger.critical("access ledger broken", extra={"first_break": str(result.first_break)})
    return {"intact": result.intact, "checked": result.checked, "head_seq": result.head_seq}


@shared_task(
    name="audit.monitoring_scan",
    acks_late=True,
    # A lost connection or a deadlock with another writer: the scan rolled back whole.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def monitoring_scan_task() -> dict:
    """Every few minutes (CELERY_BEAT_SCHEDULE): the monitoring rules over the ledger's new
    events (audit.monitoring, docs/monitoring.md). A ledger that grew by more than one
    batch (MONITORING_SCAN_MAX_EVENTS) is read a batch per task: each batch commits, then
    the task enqueues the next."""
    result = monitoring_scan(now=timezone.now())
    if result.more:
        monitoring_scan_task.delay()
    return result.as_dict()
