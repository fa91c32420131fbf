"""Pull tasks in a real Celery worker over Redis: killed mid-pull, the data still converges."""

import signal

import pytest
from django.utils import timezone

from summaries.models import GpPractice, Summary
from summaries.services.pull import practice_pull
from summaries.tasks import pull_due_practices_task, pull_practice_task
from tests.processes import celery_worker
from tests.summaries.conftest import fresh, wait_until
from tests.summaries.test_pull import checksums

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_ENV = {"SUMMARY_PAGE_SIZE": "5", "SUMMARY_PULL_LEASE_SECONDS": "2"}


def test_killing_the_worker_mid_pull_and_running_again_ends_like_a_clean_run(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, latency_ms=400)  # 5 pages of 5: about 2 s in all
    with celery_worker(**WORKER_ENV) as (queue, worker):
        pull_practice_task.apply_async(args=[practice.pk], queue=queue)
        assert wait_until(lambda: Summary.objects.filter(practice=practice).exists())
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    stored_when_killed = Summary.objects.filter(practice=practice).count()
    assert 0 < stored_when_killed < 25
    assert fresh(practice).watermark is None  # the killed pull did not finish

    simulator.clear_faults()
    # The dead worker's lease expires (2 s); then a new worker runs the pull again.
    assert wait_until(lambda: fresh(practice).lease_until < timezone.now(), timeout=10)
    with celery_worker(**WORKER_ENV) as (queue, _):
        result = pull_practice_task.apply_async(args=[practice.pk], queue=queue).get(timeout=60)
    assert result["imported"] == 25 - stored_when_killed
    assert result["unchanged"] == stored_when_killed
    after_recovery = checksums(practice)

    # A clean run from nothing ends in the same rows, with the same checksums.
    Summary.objects.filter(practice=practice).delete()
    GpPractice.objects.filter(pk=practice.pk).update(watermark=None)
    assert practice_pull(practice=fresh(practice)).imported == 25
    assert checksums(practice) == after_recovery
    assert len(after_recovery) == 25


def test_beat_enqueues_one_pull_per_due_practice_and_the_worker_runs_them(practices):
    due, not_due, inactive = practices
    later = timezone.now() + timezone.timedelta(hours=1)
    GpPractice.objects.filter(pk=not_due.pk).update(next_pull_at=later)
    GpPractice.objects.filter(pk=inactive.pk).update(is_active=False)

    with celery_worker() as (queue, _):
        from portal.celery import app

        default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue  # .delay() goes to this test's worker
        try:
            assert pull_due_practices_task.apply().get() == 1
            assert wait_until(lambda: fresh(due).last_success_at is not None, timeout=60)
        finally:
            app.conf.task_default_queue = default_queue

    assert Summary.objects.filter(practice=due).count() == 25
    assert not Summary.objects.exclude(practice=due).exists()
    assert fresh(due).next_pull_at > timezone.now()  # scheduled for its next interval
    assert pull_due_practices_task.apply().get() == 0  # nothing is due now
