import logging

from celery import shared_task

from audit.actors import Actor
from audit.partitions import partitions_ensure
from audit.retention import RetentionRefused, retention_run
from audit.verification import ledger_checkpoint, ledger_verify

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify_ledger", acks_late=True)
def verify_ledger_task() -> dict:
    """Nightly: verify the chain; anchor the head when intact, alert when not."""
    result = ledger_verify()
    if result.intact:
        ledger_checkpoint(result=result, actor=Actor.system("audit.verify_ledger"))
    else:
        logger.critical(
            "access ledger broken",
            extra={
                "first_break": str(result.first_break) if result.first_break else "",
                "anchor_problems": list(result.anchor_problems),
                "month_problems": list(result.month_problems),
            },
        )
    return {"intact": result.intact, "checked": result.checked, "head_seq": result.head_seq}


@shared_task(name="audit.ledger_months", acks_late=True)
def ledger_months_task() -> dict:
    """Daily: the ledger's next months made ahead (audit.partitions), and those past the
    retention period dropped (audit.retention). A refusal is logged as an error; the next
    day's run tries again."""
    made = partitions_ensure()
    try:
        dropped = [p.name for p in retention_run(actor=Actor.system("audit.ledger_months"))]
    except RetentionRefused as refusal:
        logger.error("ledger month not dropped", extra={"reason": str(refusal)})
        dropped = []
    return {"made": made, "dropped": dropped}
