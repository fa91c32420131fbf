import logging

from celery import shared_task

from audit.actors import Actor
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
