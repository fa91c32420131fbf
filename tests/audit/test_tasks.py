"""The nightly verification runs in a real Celery worker over Redis."""

import pytest
from django.conf import settings

from audit.models import AccessEvent, EventType, LedgerCheckpoint
from audit.tasks import verify_ledger_task
from tests.audit.helpers import record_events
from tests.processes import celery_worker


@pytest.fixture
def celery_worker_process():
    with celery_worker() as (queue, _process):
        yield queue


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_task_in_a_worker_anchors_the_head(celery_worker_process):
    record_events(4)
    result = verify_ledger_task.apply_async(queue=celery_worker_process).get(timeout=60)
    assert result == {"intact": True, "checked": 4, "head_seq": 4}
    checkpoint = LedgerCheckpoint.objects.get()
    assert checkpoint.seq == 4
    assert checkpoint.hash == AccessEvent.objects.get(seq=4).hash
    verified = AccessEvent.objects.get(seq=5)
    assert verified.event_type == EventType.LEDGER_VERIFIED
    assert verified.user_username == "system:audit.verify_ledger"


def test_every_beat_schedule_entry_names_a_registered_task():
    from portal.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
