"""Storing summaries in PostgreSQL: batched upserts, nothing rewritten when unchanged."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.actors import Actor
from audit.models import AccessEvent, EventType
from summaries.fhir import parse_page
from summaries.models import GpPractice, QuarantinedItem, Summary
from summaries.services.purge import summary_purge
from summaries.services.quarantine import QuarantineAdded, quarantine_add, quarantine_reprocess
from summaries.services.store import summaries_store
from tests.summaries import builders as b
from tests.waiting import in_a_thread, until_the_store_lock_is_waited_for

pytestmark = pytest.mark.django_db

FETCHED = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def practice():
    return GpPractice.objects.create(
        agb="01012345",
        ura="90000301",
        name="De Linde",
        fhir_base_url="http://gp.example/fhir",
        token="t",
    )


def page(*patients_and_more):
    return parse_page(b.bundle(*patients_and_more), now=b.NOW)


def test_store_writes_a_page_in_one_batch_and_finds_it_by_bsn_and_birth_date(practice):
    result = page(
        b.patient(),
        b.gp(),
        b.allergy(),
        *[b.patient(f"p{i}", bsn=bsn) for i, bsn in enumerate(["999911132", "999911144"], 2)],
    )
    with CaptureQueriesContext(connection) as queries:
        counts = summaries_store(practice=practice, items=result.summaries, fetched_at=FETCHED)
    assert (counts.imported, counts.unchanged) == (3, 0)
    # Not one statement per patient: the patients' locks, lz4 check (once a process),
    # stage, COPY, merge, truncate (+ savepoint and its release).
    assert len(queries) <= 8, [q["sql"][:60] for q in queries.captured_queries]
    stored = Summary.objects.get(bsn="999911120", birth_date=dt.date(1950, 2, 3))
    assert stored.practice == practice
    assert stored.fetched_at == FETCHED
    assert stored.sections["allergies"][0]["substance"] == "Penicilline"
    assert stored.sections["patient"]["name"] == "Jan Visser"
    assert [r["resourceType"] for r in stored.source][:2] == ["Patient", "AllergyIntolerance"]
    assert stored.size_bytes == len(result.summaries[0].source_bytes)


def test_storing_the_same_content_again_changes_nothing(practice):
    summaries_store(
        practice=practice, items=page(b.patient(), b.gp()).summaries, fetched_at=FETCHED
    )
    before = Summary.objects.values().get()
    later = FETCHED + dt.timedelta(hours=1)
    counts = summaries_store(
        practice=practice, items=page(b.patient(), b.gp()).summaries, fetched_at=later
    )
    assert (counts.imported, counts.unchanged) == (0, 1)
    assert Summary.objects.values().get() == before  # not even the fetch time


def test_changed_content_replaces_the_summary(practice):
    summaries_store(
        practice=practice, items=page(b.patient(), b.gp()).summaries, fetched_at=FETCHED
    )
    later = FETCHED + dt.timedelta(hours=1)
    counts = summaries_store(
        practice=practice, items=page(b.patient(), b.gp(), b.flag()).summaries, fetched_at=later
    )
    assert counts.imported == 1
    stored = Summary.objects.get()
    assert stored.fetched_at == later
    assert stored.sections["alerts"][0]["text"] == "Niet reanimeren"


def test_summary_lookup_uses_the_index(practice):
    summaries_store(
        practice=practice, items=page(b.patient(), b.gp()).summaries, fetched_at=FETCHED
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM summaries_summary WHERE bsn = %s AND birth_date = %s",
            ["999911120", dt.date(1950, 2, 3)],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "Index" in plan


def test_purge_removes_the_summary_and_logs_it(practice):
    summaries_store(
        practice=practice, items=page(b.patient(), b.gp()).summaries, fetched_at=FETCHED
    )
    assert summary_purge(bsn="999911120", actor=Actor.system("test"), reason="refusal registered")
    assert not Summary.objects.exists()
    event = AccessEvent.objects.get(event_type=EventType.SUMMARY_PURGED)
    assert (event.patient_bsn, event.detail) == (
        "999911120",
        {"reason": "refusal registered", "existed": True, "quarantine_dropped": 0},
    )


@pytest.mark.parametrize("database", ["postgresql", "embedded"])
def test_a_patient_with_a_refusal_registered_has_no_summary_kept(practice, database, monkeypatch):
    """Purged when the refusal was registered, and not stored again by a later pull; a
    refusal withdrawn (a later registration in that scope) lets it in again."""
    from django.db import connections

    from consent.models import Decision, Scope
    from tests.factories import registration

    if database == "embedded":  # the store's SQLite path, on this database
        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    refusing, other = "999911120", "999911132"
    registration(refusing, Decision.CONSENT, Scope.SEH)
    registration(refusing, Decision.REFUSAL, Scope.HAP)
    items = page(b.patient(), b.gp(), b.patient("p2", bsn=other)).summaries
    counts = summaries_store(practice=practice, items=items, fetched_at=FETCHED)
    assert (counts.imported, counts.unchanged, counts.not_kept) == (1, 0, 1)
    assert list(Summary.objects.values_list("bsn", flat=True)) == [other]

    registration(refusing, Decision.BLANK, Scope.HAP)
    counts = summaries_store(practice=practice, items=items, fetched_at=FETCHED)
    assert (counts.imported, counts.unchanged, counts.not_kept) == (1, 1, 0)
    assert Summary.objects.filter(bsn=refusing).exists()


def test_quarantined_items_are_kept_and_reprocessed_after_a_fix(practice, settings):
    settings.SUMMARY_MAX_SUMMARY_BYTES = 300  # too small: the summary is quarantined
    from summaries.services.pull import limits_from_settings

    result = parse_page(
        b.bundle(b.patient(), b.gp(), b.allergy()), now=b.NOW, limits=limits_from_settings()
    )
    quarantine_add(practice=practice, items=result.quarantine)
    item = QuarantinedItem.objects.get()
    assert "SUMMARY_MAX_SUMMARY_BYTES" in item.reason
    assert item.patient_bsn == "999911120" and item.status == "open"

    assert quarantine_reprocess(item=item) is False  # the limit still applies
    item.refresh_from_db()
    assert (item.attempts, item.status) == (1, "open")
    assert item.reason.startswith("reprocessed: ")

    settings.SUMMARY_MAX_SUMMARY_BYTES = 2 * 1024 * 1024  # the fix
    assert quarantine_reprocess(item=item) is True
    item.refresh_from_db()
    assert (item.attempts, item.status) == (2, "resolved")
    assert Summary.objects.get().sections["allergies"][0]["substance"] == "Penicilline"


def test_summaries_are_compressed_with_lz4_where_postgresql_has_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        available = cursor.fetchone()[0]
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'summaries_summary'::regclass AND attname IN ('sections', 'source')"
        )
        compression = dict(cursor.fetchall())
    expected = "l" if available else ""
    assert compression == {"sections": expected, "source": expected}


def _refusal(bsn: str) -> None:
    from consent.models import Decision
    from tests.factories import registration

    registration(bsn, Decision.REFUSAL)


def _quarantined_summary(settings):
    from summaries.services.pull import limits_from_settings

    settings.SUMMARY_MAX_SUMMARY_BYTES = 300  # too small: the summary is quarantined
    return parse_page(
        b.bundle(b.patient(), b.gp(), b.allergy()), now=b.NOW, limits=limits_from_settings()
    ).quarantine


def test_the_quarantine_keeps_nothing_of_a_patient_with_a_refusal_registered(practice, settings):
    items = _quarantined_summary(settings)
    _refusal("999911120")
    assert quarantine_add(practice=practice, items=items) == QuarantineAdded(not_kept=1)
    assert not QuarantinedItem.objects.exists()


def test_reprocessing_after_a_refusal_stores_nothing_and_drops_the_payload(practice, settings):
    """Quarantined before the refusal was registered; reprocessed after the fix."""
    assert quarantine_add(practice=practice, items=_quarantined_summary(settings)).new == 1
    item = QuarantinedItem.objects.get()
    _refusal("999911120")
    settings.SUMMARY_MAX_SUMMARY_BYTES = 2 * 1024 * 1024  # the fix
    assert quarantine_reprocess(item=item) is False  # nothing imported
    item.refresh_from_db()
    assert item.status == "dismissed" and bytes(item.payload) == b""
    assert item.reason.endswith("not kept for 1 patient(s): refusal registered")
    assert not Summary.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_store_under_way_when_a_refusal_is_registered_reads_it_and_keeps_nothing():
    """The refusal (registration and purge, one commit) is under way when a pull stores a
    page with that patient: the store waits for it, then reads the refusal."""
    from django.db import transaction

    from consent.models import Decision
    from tests.factories import registration

    refusing, other = "999911120", "999911132"
    practice = GpPractice.objects.create(
        agb="01012345", ura="90000301", name="De Linde", fhir_base_url="http://x", token="t"
    )
    items = page(b.patient(), b.gp(), b.patient("p2", bsn=other)).summaries
    with transaction.atomic():
        registration(refusing, Decision.REFUSAL)
        summary_purge(bsn=refusing, actor=Actor.system("test"), reason="refusal registered")
        thread, done = in_a_thread(
            lambda: summaries_store(practice=practice, items=items, fetched_at=FETCHED)
        )
        waited = until_the_store_lock_is_waited_for(timeout=3)
    thread.join()
    assert "error" not in done, done
    assert list(Summary.objects.values_list("bsn", flat=True)) == [other]
    assert (done["result"].imported, done["result"].not_kept) == (1, 1)
    assert waited, "the store did not wait for the refusal under way"


@pytest.mark.django_db(transaction=True)
def test_a_refusal_registered_while_a_store_is_under_way_purges_what_it_stored():
    """A pull is storing a page with the patient when the refusal comes: the purge waits
    for the store to commit, then deletes the summary it stored."""
    from django.db import transaction

    from consent.models import Decision
    from tests.factories import registration

    refusing = "999911120"
    practice = GpPractice.objects.create(
        agb="01012345", ura="90000301", name="De Linde", fhir_base_url="http://x", token="t"
    )
    items = page(b.patient(), b.gp()).summaries

    def refusal_registered():
        with transaction.atomic():
            registration(refusing, Decision.REFUSAL)
            return summary_purge(bsn=refusing, actor=Actor.system("t"), reason="refusal")

    with transaction.atomic():
        summaries_store(practice=practice, items=items, fetched_at=FETCHED)
        thread, done = in_a_thread(refusal_registered)
        waited = until_the_store_lock_is_waited_for(timeout=3)
    thread.join()
    assert "error" not in done, done
    assert not Summary.objects.filter(bsn=refusing).exists()
    assert done["result"] is True  # it found the stored summary
    assert waited, "the purge did not wait for the store under way"


def test_what_is_written_about_bad_input_keeps_a_nul_character_visible(practice):
    """A resource id or type with U+0000 in it ends up in the quarantine's text columns,
    which PostgreSQL refuses it in: it is written as the escape JSON uses."""
    from summaries.fhir import Quarantine
    from summaries.services.quarantine import quarantine_page

    bad = Quarantine(
        reason="entry[0].resource.resourceType: 'Pati\x00ent' is not a FHIR resource type",
        resource_type="Pati\x00ent",
        resource_id="p\x001",
        payload=b'[{"resourceType":"Pati\\u0000ent"}]',
    )
    assert quarantine_add(practice=practice, items=[bad]).new == 1
    quarantine_page(practice=practice, url="http://x/\x00", body=b"{", reason="bad \x00")
    stored = {(i.resource_type, i.resource_id, i.reason) for i in QuarantinedItem.objects.all()}
    assert stored == {
        (
            "Pati\\u0000ent",
            "p\\u00001",
            "entry[0].resource.resourceType: 'Pati\\u0000ent' is not a FHIR resource type",
        ),
        ("Bundle", "", "http://x/\\u0000: bad \\u0000"),
    }
    assert bytes(QuarantinedItem.objects.get(resource_type="Pati\\u0000ent").payload) == (
        bad.payload
    )


def test_a_patient_whose_record_holds_a_nul_character_is_quarantined_not_the_page(practice):
    """U+0000 is valid JSON but no JSONB: that patient waits in the quarantine, named to the
    field; the others on the page are stored. A backslash before "u0000" is just text."""
    spoiled = b.patient()
    spoiled["name"][0]["family"] = "Vis\x00ser"
    fine = b.patient("p2", bsn="999911132")
    allergy = b.allergy(pid="p2", text="Peni\\u0000cilline")  # a backslash, then u0000
    result = page(spoiled, fine, b.gp(), allergy)
    with transaction.atomic():  # as a pull stores a page
        counts = summaries_store(practice=practice, items=result.summaries, fetched_at=FETCHED)
        assert quarantine_add(practice=practice, items=result.quarantine).new == 1
    assert counts.imported == 1
    stored = Summary.objects.get()
    assert stored.bsn == "999911132"
    assert stored.sections["allergies"][0]["substance"] == "Peni\\u0000cilline"
    item = QuarantinedItem.objects.get()
    assert item.reason == (
        "Patient/p1.name[0].family: text holds a NUL character (\\u0000), which the database "
        "cannot store"
    )
    assert (item.patient_bsn, item.resource_id) == ("999911120", "p1")
    assert b"Vis\\u0000ser" in bytes(item.payload)


def test_a_purge_drops_what_the_quarantine_keeps_of_the_patient(practice):
    """The patient's record waits in the quarantine (here: a NUL in the name); the refusal's
    purge empties it, dismissed with why, and the ledger says how many."""
    spoiled = b.patient()
    spoiled["name"][0]["family"] = "Vis\x00ser"
    other = b.patient("p2", bsn="999911132", birth_date="1960-05-06")
    other["name"][0]["family"] = "Jan\x00sen"
    result = page(spoiled, other, b.gp())
    assert quarantine_add(practice=practice, items=result.quarantine).new == 2
    summary_purge(bsn="999911120", actor=Actor.system("test"), reason="refusal registered")
    gone = QuarantinedItem.objects.get(patient_bsn="999911120")
    assert (bytes(gone.payload), gone.status) == (b"", QuarantinedItem.Status.DISMISSED)
    assert gone.reason.endswith("; payload dropped: refusal registered")
    kept = QuarantinedItem.objects.get(patient_bsn="999911132")
    assert (bool(bytes(kept.payload)), kept.status) == (True, QuarantinedItem.Status.OPEN)
    event = AccessEvent.objects.get(event_type=EventType.SUMMARY_PURGED)
    assert event.detail["quarantine_dropped"] == 1


def _quarantined_for_size(practice, settings) -> QuarantinedItem:
    """Patient 999911120 quarantined for a size limit that is raised again afterwards."""
    from summaries.services.pull import limits_from_settings

    settings.SUMMARY_MAX_SUMMARY_BYTES = 300
    result = parse_page(
        b.bundle(b.patient(), b.gp(), b.allergy()), now=b.NOW, limits=limits_from_settings()
    )
    quarantine_add(practice=practice, items=result.quarantine)
    settings.SUMMARY_MAX_SUMMARY_BYTES = 2 * 1024 * 1024
    return QuarantinedItem.objects.get()


@pytest.mark.django_db(transaction=True)
def test_reprocessing_while_a_refusal_purges_the_patient_waits_and_does_not_deadlock(settings):
    """Reprocessing the patient's quarantined item while a refusal's purge is under way: the
    reprocessing waits for the purge, then finds the payload gone. Found by review: it
    locked the item row first and the store lock second, the purge the other way round,
    and PostgreSQL aborted one of them (the nurse's refusal, with its ledger events)."""
    from django.db import transaction

    from summaries.services.store_lock import store_lock_exclusive

    practice = GpPractice.objects.create(
        agb="01012345", ura="90000301", name="De Linde", fhir_base_url="http://x", token="t"
    )
    item = _quarantined_for_size(practice, settings)
    with transaction.atomic():  # the purge of a refusal, under way
        store_lock_exclusive()
        thread, done = in_a_thread(lambda: quarantine_reprocess(item=item))
        waited = until_the_store_lock_is_waited_for(timeout=3)
        summary_purge(bsn="999911120", actor=Actor.system("test"), reason="refusal registered")
    thread.join()
    assert "error" not in done, done
    assert done["result"] is False
    item.refresh_from_db()
    assert (bytes(item.payload), item.status) == (b"", QuarantinedItem.Status.DISMISSED)
    assert not Summary.objects.exists()
    assert waited, "the reprocessing did not wait for the purge"


@pytest.mark.django_db(transaction=True)
def test_a_refusal_purges_what_a_page_under_way_puts_in_the_quarantine(settings):
    """A page whose only patient goes to the quarantine is being written when the refusal's
    purge comes: the purge waits for it, then empties the item. Found by review: with no
    summary on the page nothing took the store lock."""
    from django.db import transaction

    from summaries.services.pull import limits_from_settings

    practice = GpPractice.objects.create(
        agb="01012345", ura="90000301", name="De Linde", fhir_base_url="http://x", token="t"
    )
    settings.SUMMARY_MAX_SUMMARY_BYTES = 300
    result = parse_page(
        b.bundle(b.patient(), b.gp(), b.allergy()), now=b.NOW, limits=limits_from_settings()
    )
    with transaction.atomic():  # the pull's page transaction
        summaries_store(practice=practice, items=result.summaries, fetched_at=FETCHED)
        quarantine_add(practice=practice, items=result.quarantine)
        thread, done = in_a_thread(
            lambda: summary_purge(bsn="999911120", actor=Actor.system("t"), reason="refusal")
        )
        waited = until_the_store_lock_is_waited_for(timeout=3)
    thread.join()
    assert "error" not in done, done
    item = QuarantinedItem.objects.get()
    assert (bytes(item.payload), item.status) == (b"", QuarantinedItem.Status.DISMISSED)
    assert waited, "the purge did not wait for the page under way"


def test_an_item_emptied_by_a_purge_is_not_reprocessed(practice, settings):
    item = _quarantined_for_size(practice, settings)
    summary_purge(bsn="999911120", actor=Actor.system("test"), reason="refusal registered")
    assert quarantine_reprocess(item=item) is False
    item.refresh_from_db()
    assert (item.attempts, item.status) == (0, QuarantinedItem.Status.DISMISSED)
    assert not Summary.objects.exists()


def test_the_admin_saves_only_what_it_changes_of_a_quarantined_item(practice, settings, rf):
    """The change form read the item before a refusal's purge emptied it: saving the form
    must not write the old payload back (found by review)."""
    from django.contrib import admin

    item = _quarantined_for_size(practice, settings)
    stale = QuarantinedItem.objects.get(pk=item.pk)  # as the form read it
    summary_purge(bsn="999911120", actor=Actor.system("test"), reason="refusal registered")
    model_admin = admin.site._registry[QuarantinedItem]
    form = model_admin.get_form(rf.get("/"), stale, change=True)(
        data={"status": QuarantinedItem.Status.RESOLVED}, instance=stale
    )
    assert form.is_valid(), form.errors
    model_admin.save_model(rf.post("/"), form.save(commit=False), form, change=True)
    item.refresh_from_db()
    assert (bytes(item.payload), item.status) == (b"", QuarantinedItem.Status.RESOLVED)
