"""Pulling from a real simulator over HTTP: incremental, idempotent, fault-tolerant."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

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
