"""Pulling from a real simulator over HTTP: incremental, idempotent, fault-tolerant."""

import hashlib
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from summaries.clients import PracticeUnreachable
from summaries.models import QuarantinedItem, Summary
from summaries.services.pull import PullFailed, practice_pull
from tests.summaries.conftest import fresh

pytestmark = pytest.mark.django_db


def checksums(practice) -> set[tuple]:
    """What a pull left behind, comparable across runs."""
    return {
        (
            s.bsn,
            s.birth_date,
            s.source_version,
            hashlib.sha256(repr(sorted(s.sections.items())).encode()).hexdigest(),
        )
        for s in Summary.objects.filter(practice=practice)
    }


def test_a_full_pull_imports_every_patient_page_by_page(practices):
    practice = practices[0]
    counts = practice_pull(practice=practice)
    assert (counts.imported, counts.unchanged, counts.quarantined, counts.failed) == (25, 0, 0, 0)
    assert counts.pages == 3  # 25 patients, 10 a page
    practice = fresh(practice)
    assert practice.watermark is not None and practice.last_success_at is not None
    assert practice.healthy and practice.last_counts["imported"] == 25
    summary = Summary.objects.filter(practice=practice).first()
    assert summary.sections["patient"]["bsn"] == summary.bsn
    assert summary.sections["gp"]["practice_agb"] == practice.agb


def test_pulling_twice_changes_nothing(practices):
    practice = practices[0]
    practice_pull(practice=practice)
    before = checksums(practice)
    fetched = dict(Summary.objects.values_list("bsn", "fetched_at"))

    incremental = practice_pull(practice=fresh(practice))
    assert (incremental.imported, incremental.unchanged) == (0, 0)  # nothing changed there
    full = practice_pull(practice=fresh(practice), full=True)
    assert (full.imported, full.unchanged) == (0, 25)
    assert checksums(practice) == before
    assert dict(Summary.objects.values_list("bsn", "fetched_at")) == fetched


def test_an_incremental_pull_fetches_only_what_changed(practices, simulator):
    practice = practices[0]
    practice_pull(practice=practice)
    before = {s.bsn: s.source_version for s in Summary.objects.all()}
    assert simulator.touch(practice.agb, patients=[3, 17]) == 2

    counts = practice_pull(practice=fresh(practice))
    assert (counts.imported, counts.unchanged, counts.pages) == (2, 0, 1)
    after = {s.bsn: s.source_version for s in Summary.objects.all()}
    assert sum(before[bsn] != after[bsn] for bsn in before) == 2


def test_transient_errors_are_retried_and_the_pull_succeeds(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, status=503, times=2)
    counts = practice_pull(practice=practice)
    assert counts.imported == 25
    assert fresh(practice).healthy


def test_a_failing_practice_is_marked_unhealthy_and_does_not_affect_the_others(
    practices, simulator
):
    failing, healthy, _ = practices
    practice_pull(practice=failing)
    kept = checksums(failing)
    simulator.fault(failing.agb, status=500)
    simulator.touch(failing.agb, patients=[1])

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=rf"failed for 1 practice\(s\): .*AGB {failing.agb}"):
        call_command("pull_summaries", stdout=out, stderr=err, verbosity=0)
    assert out.getvalue().strip() == "imported 50, unchanged 0, quarantined 0, failed 1"
    assert "HTTP 500" in err.getvalue()

    failing = fresh(failing)
    assert not failing.healthy and failing.consecutive_failures == 1
    assert "HTTP 500 from the practice" in failing.last_error
    assert checksums(failing) == kept  # its last good summaries stay, with their fetch time
    assert Summary.objects.filter(practice=healthy).count() == 25


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ({"wrong_token": True}, PullFailed, "refused our token"),
        ({"timeout": True}, PracticeUnreachable, "timed out"),
    ],
)
def test_refusals_and_timeouts_fail_the_pull_and_show_in_health(
    practices, simulator, settings, fault, error, message
):
    settings.SUMMARY_FETCH_TIMEOUT = 0.5
    settings.SUMMARY_FETCH_RETRIES = 1
    practice = practices[1]
    simulator.fault(practice.agb, **fault)
    with pytest.raises(error, match=message):
        practice_pull(practice=practice)
    practice = fresh(practice)
    assert practice.watermark is None and practice.consecutive_failures == 1
    assert message in practice.last_error
    assert practice.lease_until is None  # the next pull may start


def test_a_page_cut_off_once_is_fetched_again(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, truncate=True, times=1)
    assert practice_pull(practice=practice).imported == 25
    assert not QuarantinedItem.objects.exists()


def test_a_page_that_stays_garbage_is_quarantined_and_the_watermark_stays(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, truncate=True)
    with pytest.raises(PullFailed, match="invalid JSON"):
        practice_pull(practice=practice)
    item = QuarantinedItem.objects.get()
    assert item.kind == "page" and "invalid JSON" in item.reason
    assert item.reason.startswith(practice.fhir_base_url)
    assert len(item.payload) == item.size_bytes > 0
    assert fresh(practice).watermark is None


@pytest.mark.parametrize(
    ("invalid", "reason"),
    [
        ("resource_type", "is not a FHIR resource type"),
        ("missing_bsn", ".identifier: no BSN"),
        ("invalid_bsn", "is not a valid BSN"),
        ("deep", "levels deep (SUMMARY_MAX_DEPTH)"),
        ("oversized", "(SUMMARY_MAX_SUMMARY_BYTES)"),
        ("nul_character", ".name[0].family: text holds a NUL character (\\u0000)"),
    ],
)
def test_bad_resources_are_quarantined_with_their_reason_and_the_rest_imported(
    practices, simulator, invalid, reason
):
    practice = practices[2]
    simulator.fault(practice.agb, invalid=invalid)
    counts = practice_pull(practice=practice)
    assert counts.failed == 0
    assert counts.quarantined >= 1
    reasons = list(QuarantinedItem.objects.values_list("reason", flat=True))
    assert any(reason in r for r in reasons), reasons
    # One bad patient a page (3 pages): the other 22 are in.
    assert counts.imported == 22
    assert fresh(practice).healthy


def test_a_pull_does_not_bring_back_the_summary_of_a_patient_who_refused(practices, simulator):
    """The refusal is registered and the summary purged; the GP's system still sends it."""
    from audit.actors import Actor
    from consent.models import Decision
    from summaries.services.purge import summary_purge
    from tests.factories import registration

    practice = practices[0]
    practice_pull(practice=practice)
    refusing = Summary.objects.filter(practice=practice).order_by("bsn").first().bsn
    registration(refusing, Decision.REFUSAL)
    summary_purge(bsn=refusing, actor=Actor.system("test"), reason="refusal registered")

    out = StringIO()
    call_command("pull_summaries", "--practice", practice.agb, "--full", stdout=out, verbosity=0)
    assert out.getvalue().strip() == (
        "imported 0, unchanged 24, quarantined 0, failed 0, not kept (refusal registered) 1"
    )
    assert not Summary.objects.filter(bsn=refusing).exists()
    assert Summary.objects.filter(practice=practice).count() == 24


def test_a_withdrawal_after_a_refusal_makes_the_next_pull_bring_the_summary_back(
    practices, simulator
):
    """Unchanged at the practice, the patient is not in an incremental pull: the registry
    asks for them again (Enrolment.refetch_requested_at), and the next pull fetches them by
    BSN and clears the request."""
    from audit.actors import Actor
    from consent.models import Decision, Scope, Source
    from registry.services import choice_register
    from summaries.models import Enrolment

    practice, gp = practices[0], Actor.system("test GP")
    practice_pull(practice=practice)
    bsns = list(
        Summary.objects.filter(practice=practice).order_by("bsn").values_list("bsn", flat=True)
    )
    refusing, staying = bsns[0], bsns[1]
    for bsn in (refusing, staying):
        choice_register(
            patient_bsn=bsn,
            scope=Scope.BOTH,
            decision=Decision.REFUSAL,
            source=Source.GP_PRACTICE,
            actor=gp,
        )
    assert not Summary.objects.filter(bsn__in=[refusing, staying]).exists()
    choice_register(
        patient_bsn=refusing,
        scope=Scope.BOTH,
        decision=Decision.BLANK,
        source=Source.GP_PRACTICE,
        actor=gp,
    )
    assert Enrolment.objects.get(bsn=refusing).refetch_requested_at is not None
    assert Enrolment.objects.get(bsn=staying).refetch_requested_at is None

    counts = practice_pull(practice=fresh(practice))

    assert (counts.imported, counts.refetched) == (1, 1)
    assert Summary.objects.filter(bsn=refusing, practice=practice).exists()
    assert not Summary.objects.filter(bsn=staying).exists()
    assert Enrolment.objects.get(bsn=refusing).refetch_requested_at is None
    again = practice_pull(practice=fresh(practice))
    assert (again.imported, again.refetched) == (0, 0)


def test_consent_for_a_patient_whose_summary_is_stored_asks_for_nothing(practices):
    from audit.actors import Actor
    from consent.models import Decision, Scope, Source
    from registry.services import choice_register
    from summaries.models import Enrolment

    practice = practices[0]
    practice_pull(practice=practice)
    bsn = Summary.objects.filter(practice=practice).order_by("bsn").values_list("bsn", flat=True)[0]
    choice_register(
        patient_bsn=bsn,
        scope=Scope.HAP,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test GP"),
    )
    assert Enrolment.objects.get(bsn=bsn).refetch_requested_at is None


def test_every_practice_client_shares_one_tls_context(monkeypatch):
    """Building a TLS context loads the CA bundle (~40 ms): once a process, not once for
    every practice asked in a refresh (4,300 of them)."""
    import httpx

    from summaries import clients

    built = []
    real = httpx.create_ssl_context
    monkeypatch.setattr(
        clients.httpx, "create_ssl_context", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    clients.tls_context.cache_clear()
    try:
        for token in ("a", "b", "c"):
            with clients.PracticeClient(token=token):
                pass
    finally:
        clients.tls_context.cache_clear()
    assert len(built) == 1


# --- pull_summaries: the true counts and a non-zero exit (issue 14, item 9) ----------------


def test_pull_summaries_counts_a_page_it_quarantined_before_the_pull_failed(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, truncate=True)  # every page cut off: quarantined, then stop

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=f"{practice.name} \\(AGB {practice.agb}\\)"):
        call_command("pull_summaries", "--practice", practice.agb, stdout=out, stderr=err)
    assert out.getvalue().strip() == "imported 0, unchanged 0, quarantined 1, failed 1"
    assert QuarantinedItem.objects.get().kind == "page"
    assert fresh(practice).last_counts["quarantined"] == 1


@pytest.mark.django_db(transaction=True)
def test_pull_summaries_exits_non_zero_from_the_command_line_when_a_pull_failed(
    practices, simulator
):
    """As cron or CI runs it: a real process, its exit status and its lines."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    from tests.processes import test_database_url

    failing, healthy, _ = practices
    simulator.fault(failing.agb, wrong_token=True)
    env = {**os.environ, "DATABASE_URL": test_database_url(), "SUMMARY_RETRY_BASE_SECONDS": "0"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "manage.py", "pull_summaries", "--verbosity", "0", *args],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    failed = run("--practice", failing.agb)
    assert failed.returncode == 1, failed
    assert "the pull failed for 1 practice(s)" in failed.stderr
    assert f"{failing.name} (AGB {failing.agb})" in failed.stderr
    assert "refused our token" in failed.stderr
    assert failed.stdout.strip() == "imported 0, unchanged 0, quarantined 0, failed 1"

    fine = run("--practice", healthy.agb)
    assert fine.returncode == 0, fine
    assert fine.stdout.strip() == "imported 25, unchanged 0, quarantined 0, failed 0"


# --- The quarantine is idempotent (issue 14, item 5) -----------------------------------------


def open_items(practice) -> list[tuple]:
    return sorted(
        QuarantinedItem.objects.filter(practice=practice, status="open").values_list(
            "kind", "resource_type", "resource_id", "reason"
        )
    )


def test_re_pulling_unchanged_bad_resources_adds_no_open_quarantine_rows(practices, simulator):
    practice = practices[2]
    simulator.fault(practice.agb, invalid="invalid_bsn")  # one bad patient on each page
    first = practice_pull(practice=practice, full=True)
    before = open_items(practice)

    again = practice_pull(practice=fresh(practice), full=True)

    assert (first.quarantined, first.already_quarantined) == (3, 0)
    assert (again.quarantined, again.already_quarantined) == (0, 3)
    assert again.line().endswith("quarantined 0, failed 0, already quarantined 3")
    assert open_items(practice) == before and len(before) == 3
    assert set(QuarantinedItem.objects.values_list("times_seen", flat=True)) == {2}
    assert all(i.last_seen_at for i in QuarantinedItem.objects.all())


def test_a_page_that_stays_unreadable_is_quarantined_once(practices, simulator):
    practice = practices[0]
    simulator.fault(practice.agb, truncate=True)
    for _ in range(2):
        with pytest.raises(PullFailed):
            practice_pull(practice=fresh(practice))
    item = QuarantinedItem.objects.get()  # one, seen twice
    assert (item.kind, item.times_seen) == ("page", 2)
    counts = fresh(practice).last_counts
    assert (counts["quarantined"], counts["already_quarantined"]) == (0, 1)


def test_the_database_holds_one_open_item_per_input_and_keeps_history(practices):
    from django.db import IntegrityError, transaction

    from summaries.services.quarantine import quarantine_page

    practice = practices[0]
    quarantine_page(practice=practice, url="http://x/fhir/Patient?a=1", body=b"{", reason="bad")
    item = QuarantinedItem.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarantinedItem.objects.create(
            practice=practice,
            reason=item.reason,
            kind="page",
            payload=b"{",
            size_bytes=1,
            source_key=item.source_key,
        )
    # Once dismissed it is history: the same input may be quarantined again.
    QuarantinedItem.objects.filter(pk=item.pk).update(status="dismissed")
    added = quarantine_page(
        practice=practice, url="http://x/fhir/Patient?a=2", body=b"{", reason="bad"
    )
    assert (added.new, added.already) == (1, 0)
    assert QuarantinedItem.objects.filter(status="open").count() == 1


@pytest.mark.django_db(transaction=True)  # each migration in its own transaction, as in use
def test_the_migration_merges_open_duplicates_into_one():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("summaries", "0008_enrolment_refetch_requested"),
        ("summaries", "0010_quarantine_one_open_per_source"),
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([before])
        apps = executor.loader.project_state([before]).apps
        practice = apps.get_model("summaries", "GpPractice").objects.create(
            agb="01012345", name="De Linde", fhir_base_url="http://gp.example/fhir", token="t"
        )
        item = apps.get_model("summaries", "QuarantinedItem").objects
        for n in range(3):  # the same bad patient, pulled three times
            item.create(
                practice=practice,
                reason="Patient/p1.identifier[0].value: '123456789' is not a valid BSN",
                resource_type="Patient",
                resource_id="p1",
                kind="resources",
                payload=f"[{n}]".encode(),
                size_bytes=3,
            )
        item.create(practice=practice, reason="other", kind="resources", payload=b"", size_bytes=0)

        executor.loader.build_graph()
        executor.migrate([after])

        rows = list(
            QuarantinedItem.objects.order_by("pk").values_list(
                "status", "times_seen", "payload", "reason"
            )
        )
        assert [(s, t, bytes(p)) for s, t, p, _ in rows] == [
            ("open", 3, b"[2]"),  # the first, with the newest payload
            ("dismissed", 1, b"[1]"),
            ("dismissed", 1, b"[2]"),
            ("open", 1, b""),
        ]
        first = QuarantinedItem.objects.order_by("pk").first().pk
        assert rows[1][3].endswith(f"[the same input as item {first}, which stays open]")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- Retry-After and the page size cap (issue 14, item 10) -------------------------------


@pytest.mark.parametrize("as_date", [False, True])
def test_a_429_with_retry_after_is_waited_for(practices, simulator, as_date, caplog):
    import email.utils
    import time
    from datetime import UTC, datetime, timedelta

    practice = practices[1]
    retry_after = (
        email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
        if as_date
        else 2
    )
    simulator.fault(practice.agb, status=429, retry_after=retry_after, times=1)
    started = time.monotonic()
    counts = practice_pull(practice=practice)
    waited = time.monotonic() - started

    assert counts.imported == 25
    # Backoff alone (SUMMARY_RETRY_BASE_SECONDS, 0.01 s here) would have come back at once.
    assert waited >= 1.0
    delays = [
        r.delay_s for r in caplog.records if r.getMessage() == "practice fetch failed, retrying"
    ]
    assert len(delays) == 1 and 1.0 <= delays[0] <= 3.0


def test_a_retry_after_longer_than_the_cap_fails_the_pull_for_now(practices, simulator, settings):
    settings.SUMMARY_RETRY_AFTER_MAX_SECONDS = 5
    practice = practices[1]
    simulator.fault(practice.agb, status=429, retry_after=3600)
    with pytest.raises(PracticeUnreachable, match="SUMMARY_RETRY_AFTER_MAX_SECONDS"):
        practice_pull(practice=practice)
    assert "asked to retry after 3,600 s" in fresh(practice).last_error


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("Thu, 26 Nov 2026 10:00:30 GMT", 30.0),
        ("Thu, 26 Nov 2026 09:59:00 GMT", 0.0),  # in the past: now
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    from datetime import UTC, datetime

    from summaries.clients import retry_after_seconds

    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now=now) == seconds


@pytest.mark.parametrize("chunked", [False, True])
def test_a_page_over_the_cap_is_refused_without_reading_it_all(
    practices, simulator, settings, chunked
):
    """The oversized fault sends a 20 MB page; with a 1 MiB cap the client reads at most the
    cap (and the chunk that crossed it), or nothing when Content-Length tells in advance."""
    from summaries.clients import PageTooLarge, PracticeClient, first_page_url

    settings.SUMMARY_MAX_PAGE_BYTES = 1024 * 1024
    practice = practices[2]
    simulator.fault(practice.agb, invalid="oversized", chunked=chunked)
    url = first_page_url(practice.fhir_base_url, since_iso=None, count=10)
    with PracticeClient(token=practice.token) as client, pytest.raises(PageTooLarge) as caught:
        client.fetch(url)
    if chunked:
        assert caught.value.declared is None
        assert 1024 * 1024 < len(caught.value.head) <= 1024 * 1024 + 256 * 1024
        assert "stopped reading there" in str(caught.value)
    else:
        assert caught.value.declared > 20 * 1024 * 1024 and caught.value.head == b""
        assert "(Content-Length)" in str(caught.value) and "not read" in str(caught.value)


def test_a_pull_quarantines_a_page_over_the_cap_once_and_fails(practices, simulator, settings):
    settings.SUMMARY_MAX_PAGE_BYTES = 1024 * 1024
    practice = practices[2]
    simulator.fault(practice.agb, invalid="oversized", chunked=True)

    with pytest.raises(PullFailed, match=r"page 1: page is more than 1,048,576 bytes"):
        practice_pull(practice=practice)
    with pytest.raises(PullFailed):
        practice_pull(practice=fresh(practice))

    item = QuarantinedItem.objects.get()
    assert item.kind == "page" and "(SUMMARY_MAX_PAGE_BYTES)" in item.reason
    assert item.reason.startswith(f"{practice.fhir_base_url}/Patient: ")
    assert item.times_seen == 2
    assert fresh(practice).watermark is None
