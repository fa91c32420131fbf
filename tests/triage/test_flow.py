"""Search one patient, record consent on the spot, read the summary: every path, logged."""

import pytest

from audit.models import AccessEvent, EventType, MisuseAlert, Outcome
from consent.models import ConsentRegistration
from summaries.models import Summary
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED
from triage.models import Encounter

pytestmark = pytest.mark.django_db


def search(client, bsn, birth=BIRTH):
    return client.post("/triage/", {"bsn": bsn, "birth_date": birth.isoformat()})


def answer(client, response, **data):
    return client.post(response["Location"], data)


def events(kind):
    return list(AccessEvent.objects.filter(event_type=kind))


def test_consented_patient_is_viewed_with_registered_consent_as_basis(client, nurse, patients):
    found = search(client, CONSENTED)
    assert found.status_code == 302 and "/toestemming/" in found["Location"]
    page = client.get(answer(client, found, answer="agrees")["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jan Visser" in html and "Penicilline" in html and "Niet reanimeren" in html
    assert "metformine 500 mg tablet" in html and "Pneumonie" in html
    (view,) = events(EventType.SUMMARY_VIEW)
    assert (view.patient_bsn, view.consent_basis, view.user_username) == (
        CONSENTED,
        "registered_consent",
        "sanne",
    )
    assert (view.organisation_name, view.purpose_of_use) == ("HAP Stad", "TREAT")


def test_blank_patient_under_the_corona_opt_in_is_asked_and_agrees(
    client, nurse, patients, corona_opt_in
):
    found = search(client, BLANK)
    page = client.get(answer(client, found, answer="agrees", suspected_covid="on")["Location"])
    assert page.status_code == 200
    (view,) = events(EventType.SUMMARY_VIEW)
    assert (view.consent_basis, view.consent_policy) == ("on_the_spot_consent", "Corona Opt-in")


def test_blank_patient_with_the_policy_off_gets_no_summary(client, nurse, patients):
    found = search(client, BLANK)
    page = client.get(answer(client, found, answer="agrees")["Location"])
    assert page.status_code == 403
    assert "Jan Visser" not in page.content.decode()
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.detail["reason"] == "no_policy_in_force"
    assert not events(EventType.SUMMARY_VIEW)


def test_a_refusal_registered_after_the_search_blocks_the_summary(client, nurse, patients):
    from audit.actors import Actor
    from consent.models import Decision, Scope, Source
    from consent.services import consent_register

    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    consent_register(
        patient_bsn=CONSENTED,
        scope=Scope.HAP,
        decision=Decision.REFUSAL,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test"),
    )
    page = client.get(url)
    assert page.status_code == 403 and "Jan Visser" not in page.content.decode()
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.consent_basis == "registered_refusal"


def test_the_gate_reads_the_registry_itself_for_an_encounter_open_encounter_did_not_load(
    nurse, patients, corona_opt_in
):
    """A refused patient stays blocked, under an opt-in policy and an agreed answer, whatever
    path (API, PDF, task) hands the gate its encounter."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from triage.models import PointOfCareConsent
    from triage.point_of_care import open_encounter
    from triage.summary import summary_for_view

    now = timezone.now()
    encounter = Encounter.objects.create(
        public_id=uuid.uuid4(),
        user=nurse.user,
        membership=nurse,
        patient_bsn=REFUSED,
        started_at=now,
        expires_at=now + dt.timedelta(minutes=30),
    )
    PointOfCareConsent.objects.create(
        encounter=encounter, answer="agrees", indications=["suspected_covid"], recorded_at=now
    )
    opened = open_encounter(membership=nurse, public_id=encounter.public_id, now=now)
    view = summary_for_view(membership=nurse, opened=opened, now=now)
    assert not view.decision.allowed and view.summary is None
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.consent_basis == "registered_refusal"


def test_a_consent_registered_for_emergency_departments_only_does_not_count_at_a_hap(
    client, nurse, patients
):
    from audit.actors import Actor
    from consent.models import Decision, Scope, Source
    from consent.services import consent_register

    consent_register(
        patient_bsn=BLANK,
        scope=Scope.SEH,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test"),
    )
    found = search(client, BLANK)
    page = client.get(answer(client, found, answer="agrees")["Location"])
    assert page.status_code == 403  # blank for a HAP, and no policy in force
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.detail["reason"] == "no_policy_in_force"


def test_registered_refusal_blocks_at_the_search(client, nurse, patients):
    response = search(client, REFUSED)
    assert response.status_code == 200
    assert "heeft een weigering geregistreerd" in response.content.decode()
    (searched,) = events(EventType.PATIENT_SEARCH)
    assert (searched.consent_basis, searched.outcome) == ("registered_refusal", 4)
    assert not Encounter.objects.exists()


def test_refusal_on_the_spot_blocks_and_is_recorded(client, nurse, patients):
    found = search(client, CONSENTED)
    page = client.get(answer(client, found, answer="refuses", register_lasting="on")["Location"])
    assert page.status_code == 403
    (refused,) = events(EventType.CONSENT_REFUSED)
    assert refused.patient_bsn == CONSENTED and refused.detail["register_lasting"] is True
    assert (
        ConsentRegistration.objects.filter(patient_bsn=CONSENTED).latest("id").decision == "refusal"
    )
    assert not Summary.objects.filter(bsn=CONSENTED).exists()  # purged
    assert events(EventType.SUMMARY_PURGED)


def test_emergency_access_needs_a_reason_and_is_flagged(client, nurse, patients, corona_opt_in):
    found = search(client, BLANK)
    no_reason = answer(client, found, answer="cannot_consent")
    assert no_reason.status_code == 200 and not events(EventType.EMERGENCY_ACCESS)
    response = answer(
        client,
        found,
        answer="cannot_consent",
        suspected_covid="on",
        emergency_reason="unconscious",
        emergency_text="aanspreekbaar: nee",
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    (emergency,) = events(EventType.EMERGENCY_ACCESS)
    assert emergency.detail["needs_review"] is True and emergency.purpose_of_use == "ETREAT"
    (view,) = events(EventType.SUMMARY_VIEW)
    assert (view.consent_basis, view.purpose_of_use) == ("emergency_access", "ETREAT")


def test_the_summary_url_without_the_consent_step_is_denied_and_logged(client, nurse, patients):
    found = search(client, CONSENTED)
    summary_url = found["Location"].replace("toestemming", "samenvatting")
    page = client.get(summary_url)
    assert page.status_code == 403
    assert "Jan Visser" not in page.content.decode()
    (denied,) = events(EventType.ACCESS_DENIED)
    assert (denied.detail["reason"], denied.patient_bsn) == ("not_asked", CONSENTED)


def test_a_replayed_consent_post_is_refused(client, nurse, patients):
    found = search(client, CONSENTED)
    answer(client, found, answer="agrees")
    replay = answer(client, found, answer="cannot_consent", emergency_reason="unconscious")
    assert replay.status_code == 403
    assert len(events(EventType.CONSENT_RECORDED)) == 1 and not events(EventType.EMERGENCY_ACCESS)


def test_opening_a_patient_closes_the_previous_one(client, nurse, patients):
    first = search(client, CONSENTED)
    answer(client, first, answer="agrees")
    search(client, BLANK)
    old = client.get(first["Location"].replace("toestemming", "samenvatting"))
    assert old.status_code == 403
    # The nurse who went back to the previous patient is told why, and where to go.
    assert "U hebt deze patiënt gesloten" in old.content.decode()
    assert 'href="/triage/"' in old.content.decode()
    assert Encounter.objects.filter(ended_reason="next_patient").count() == 1
    (denied,) = events(EventType.ACCESS_DENIED)  # an old link is an attempt, and logged
    assert (denied.patient_bsn, denied.detail["reason"]) == (
        CONSENTED,
        "this encounter has ended: search again",
    )


def test_an_expired_encounter_ends_and_says_so(client, nurse, patients):
    import datetime as dt

    from django.utils import timezone

    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    Encounter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(url)
    assert page.status_code == 403 and "De tijd voor deze patiënt is om" in page.content.decode()
    assert Encounter.objects.get().ended_reason == "expired"
    (denied,) = events(EventType.ACCESS_DENIED)
    assert (denied.patient_bsn, denied.detail["reason"]) == (
        CONSENTED,
        "the time for this patient is up: search again",
    )


def test_another_users_encounter_is_refused_and_logged(client, nurse, patients):
    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    from portal.models import Role
    from tests.factories import MembershipFactory, enrol_totp

    other = MembershipFactory(organisation=nurse.organisation, role=Role.TRIAGE)
    enrol_totp(other.user)
    client.force_login(other.user)
    page = client.get(url)
    assert page.status_code == 403 and "Jan Visser" not in page.content.decode()
    assert "Deze patiënt is niet voor u geopend" in page.content.decode()
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.user_username == other.user.username
    assert denied.detail["reason"] == "no open encounter of yours with this patient"
    assert denied.detail["encounter"] in url and denied.patient_bsn == ""


def test_no_patient_found_is_said_so_and_logged(client, nurse, patients):
    response = search(client, CONSENTED, birth=BIRTH.replace(year=1951))
    assert "Geen patiënt gevonden" in response.content.decode()
    (searched,) = events(EventType.PATIENT_SEARCH)
    assert searched.detail == {"found": "nobody"}


def test_a_wrong_bsn_gets_a_message_at_the_field_and_no_search(client, nurse, patients):
    response = search(client, "123456789")
    assert response.status_code == 200
    assert "123456789" in response.content.decode() and "elfproef" in response.content.decode()
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).exists()


def test_more_than_the_hourly_limit_of_patients_answers_429_and_raises_an_alert(
    client, nurse, patients, settings
):
    settings.TRIAGE_PATIENTS_PER_HOUR = 2
    search(client, CONSENTED)
    search(client, BLANK)
    assert search(client, CONSENTED).status_code == 302  # the same patient again is fine
    third = search(client, REFUSED)
    assert third.status_code == 429
    alert = MisuseAlert.objects.get()
    assert (alert.username, alert.detail["patients_last_hour"]) == ("sanne", 2)


def test_an_administrator_cannot_search(client, patients):
    from portal.models import Role
    from tests.factories import MembershipFactory, enrol_totp

    admin = MembershipFactory(role=Role.ADMIN, uzi_role_code="00.000")
    enrol_totp(admin.user)
    client.force_login(admin.user)
    assert search(client, CONSENTED).status_code == 403
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).exists()


def test_the_summary_page_writes_dates_and_sex_the_dutch_way(client, nurse, patients):
    found = search(client, CONSENTED)
    html = client.get(answer(client, found, answer="agrees")["Location"]).content.decode()
    assert "geboren 03-02-1950 · man" in html


def _page_queries(client, url) -> list[str]:
    """Statements a page sends, without the savepoints that exist only because each
    test runs inside a transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_the_summary_page_takes_at_most_8_queries_however_long_the_summary(client, nurse, patients):
    from summaries.models import Summary

    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    client.get(url)  # the first page of a session remembers the second factor
    short = _page_queries(client, url)
    assert len(short) <= 8, "\n".join(q[:120] for q in short)

    summary = Summary.objects.get(bsn=CONSENTED)
    sections = summary.sections
    sections["journal"] = sections["journal"] * 200  # a very long journal
    sections["lab"] = sections["lab"] * 200
    Summary.objects.filter(pk=summary.pk).update(sections=sections)
    assert len(_page_queries(client, url)) == len(short)


@pytest.mark.django_db(transaction=True)
def test_the_summary_page_checks_the_summary_is_kept_after_its_event(client, nurse, patients):
    """As in production (autocommit, no test transaction around it): the summary with its
    practice (without the source bundle or the practice's token), then the event (one
    INSERT with the ledger's lock and link in it, audit/0004), then, with that lock held,
    whether the summary is still kept."""
    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    client.get(url)  # the first page of a session remembers the second factor
    before = AccessEvent.objects.count()
    statements = _page_queries(client, url)
    assert AccessEvent.objects.count() == before + 1
    ledger = [i for i, sql in enumerate(statements) if "audit_accessevent" in sql]
    summary = [i for i, sql in enumerate(statements) if 'FROM "summaries_summary"' in sql]
    assert len(ledger) == 1 and 'INSERT INTO "audit_accessevent"' in statements[ledger[0]]
    assert len(summary) == 2 and summary[0] < ledger[0] < summary[1]
    assert "SELECT EXISTS" in statements[summary[1]]  # the check
    read = statements[summary[0]]
    assert '"source"' not in read and '"token"' not in read


def test_the_stop_button_acts_at_once(
    client, nurse, patients, corona_opt_in, django_capture_on_commit_callbacks
):
    from audit.actors import Actor
    from consent.services import policy_switch

    found = search(client, BLANK)
    url = answer(client, found, answer="agrees", suspected_covid="on")["Location"]
    assert client.get(url).status_code == 200  # the policy is read (and cached)
    with django_capture_on_commit_callbacks(execute=True):  # as after the real commit
        policy_switch(policy=corona_opt_in, on=False, actor=Actor.system("test"), reason="stop")
    assert client.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_searches_at_once_by_one_user_leave_one_open_encounter(patients):
    """A double click or two tabs: both searches succeed, one after the other."""
    import threading

    from django.db import connection
    from django.utils import timezone

    from portal.models import Organisation, Role
    from tests.factories import MembershipFactory, OrganisationFactory
    from triage.search import Found, patient_search

    membership = MembershipFactory(
        role=Role.TRIAGE, organisation=OrganisationFactory(kind=Organisation.Kind.HAP)
    )
    results, errors = [], []
    start = threading.Barrier(4)

    def one_search():
        try:
            start.wait()
            results.append(
                patient_search(
                    membership=membership, bsn=CONSENTED, birth_date=BIRTH, now=timezone.now()
                ).found
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [Found.PATIENT] * 4
    assert Encounter.objects.filter(user=membership.user, ended_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_searches_queued_behind_one_another_still_count_each_other(patients, settings):
    """A script firing many searches at once must not slip past the hourly limit."""
    import threading
    import time

    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Organisation, Role
    from tests.factories import MembershipFactory, OrganisationFactory
    from triage.search import SearchThrottled, patient_search

    settings.TRIAGE_PATIENTS_PER_HOUR = 2
    membership = MembershipFactory(
        role=Role.TRIAGE, organisation=OrganisationFactory(kind=Organisation.Kind.HAP)
    )
    outcomes, errors = [], []

    def one_search(bsn):
        try:
            patient_search(membership=membership, bsn=bsn, birth_date=BIRTH, now=timezone.now())
            outcomes.append("searched")
        except SearchThrottled:
            outcomes.append("throttled")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    bsns = ["999911120", "999911132", "999911144", "999911156", "999911168", "999911181"]
    threads = [threading.Thread(target=one_search, args=(bsn,)) for bsn in bsns]
    with transaction.atomic():  # a first search holds the user's row: the others queue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM portal_user WHERE id = %s FOR UPDATE", [membership.user_id]
            )
        for thread in threads:
            thread.start()
        time.sleep(1.0)
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == ["searched", "searched"] + ["throttled"] * 4
    searched = AccessEvent.objects.filter(
        event_type=EventType.PATIENT_SEARCH, user_username=membership.user.username
    )
    assert searched.values("patient_bsn").distinct().count() == 2
    # One open alert per user and rule, each refused search a hit on it.
    (alert,) = MisuseAlert.objects.filter(username=membership.user.username)
    assert (alert.kind, alert.hits) == ("search_volume", 4)


def test_a_representative_is_recorded_by_who_they_are(client, nurse, patients):
    found = search(client, CONSENTED)
    missing = answer(client, found, answer="agrees", by_representative="on")
    assert missing.status_code == 200 and "representative" in missing.context["form"].errors
    answer(client, found, answer="agrees", by_representative="on", representative="moeder")
    (recorded,) = events(EventType.CONSENT_RECORDED)
    assert recorded.detail["representative"] == "moeder"


def test_the_service_itself_requires_the_emergency_reason_and_the_representative(nurse, patients):
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from consent.models import Answer
    from triage.models import PointOfCareConsent
    from triage.point_of_care import point_of_care_record
    from triage.search import patient_search

    encounter = patient_search(
        membership=nurse, bsn=CONSENTED, birth_date=BIRTH, now=timezone.now()
    ).encounter
    for kwargs in (
        {"answer": Answer.CANNOT_CONSENT},
        {"answer": Answer.AGREES, "by_representative": True},
    ):
        with pytest.raises(ValidationError), transaction.atomic():
            point_of_care_record(
                membership=nurse, encounter=encounter, now=timezone.now(), **kwargs
            )
    assert not PointOfCareConsent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_when_the_view_cannot_be_logged_the_summary_is_not_shown(client, nurse, patients):
    """The database refuses the ledger row (a trigger standing in for a full disk or a
    broken ledger): the page fails without any of the patient's data, and nothing is
    logged as viewed."""
    from django.db import connection

    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    assert "Visser" in client.get(url).content.decode()  # the patient's name, while logged
    viewed = len(events(EventType.SUMMARY_VIEW))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$; "
            "CREATE TRIGGER test_refuse BEFORE INSERT ON audit_accessevent "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        client.raise_request_exception = False
        response = client.get(url)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_refuse ON audit_accessevent; DROP FUNCTION test_refuse()"
            )
    assert response.status_code == 500
    assert "Visser" not in response.content.decode()
    assert len(events(EventType.SUMMARY_VIEW)) == viewed


@pytest.mark.django_db(transaction=True)
def test_a_summary_purged_while_its_view_waits_for_the_ledger_is_not_shown(client, nurse, patients):
    """The page asks while a refusal is being registered and the summary purged (which holds
    the ledger's lock until it commits): logged after the purge, it must not show what the
    purge removed. Found by review: the read saw the statement's older snapshot."""
    import threading

    from django.db import connection, transaction

    from audit.actors import Actor
    from audit.services import LEDGER_LOCK_KEY
    from consent.models import Decision
    from summaries.services.purge import summary_purge
    from tests.factories import registration
    from tests.waiting import until_a_lock_is_waited_for

    found = search(client, CONSENTED)
    url = answer(client, found, answer="agrees")["Location"]
    assert "Visser" in client.get(url).content.decode()
    page = {}

    def nurse_opens_the_page():
        try:
            page["response"] = client.get(url)
        finally:
            connection.close()

    with transaction.atomic():  # as a registered refusal: registration and purge, one commit
        registration(CONSENTED, Decision.REFUSAL)
        summary_purge(bsn=CONSENTED, actor=Actor.system("test"), reason="refusal registered")
        nurse = threading.Thread(target=nurse_opens_the_page)
        nurse.start()
        assert until_a_lock_is_waited_for(LEDGER_LOCK_KEY), "nobody waited for the ledger lock"
    nurse.join()
    last_two = list(
        AccessEvent.objects.filter(patient_bsn=CONSENTED)
        .order_by("-seq")
        .values_list("event_type", flat=True)[:2]
    )
    assert last_two == [EventType.SUMMARY_VIEW, EventType.SUMMARY_PURGED]
    assert "Visser" not in page["response"].content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_on_the_spot_waits_for_a_store_without_holding_up_the_ledger(
    client, nurse, patients
):
    """A page is being stored when the nurse records a lasting refusal: the refusal waits
    for the store (its purge must see what is stored), and meanwhile everyone else can
    still write to the ledger. Found by review: the refusal logged first (taking the
    ledger's lock until commit) and then waited, holding up every ledger write."""

    from django.db import connection, transaction

    from audit.actors import Actor
    from audit.models import Action
    from audit.services import access_event_record
    from summaries.services.store_lock import store_lock_shared
    from tests.waiting import in_a_thread, until_the_store_lock_is_waited_for

    found = search(client, CONSENTED)

    def someone_else_logs():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            return access_event_record(
                event_type=EventType.LOGIN, action=Action.EXECUTE, actor=Actor.system("other")
            )

    with transaction.atomic():  # a page being stored
        store_lock_shared()
        nurse_thread, refusal = in_a_thread(
            lambda: answer(client, found, answer="refuses", register_lasting="on")
        )
        waited = until_the_store_lock_is_waited_for()
        other_thread, other = in_a_thread(someone_else_logs)
        other_thread.join()
    nurse_thread.join()
    assert "error" not in other, other["error"]
    assert waited, "the refusal did not wait for the store"
    assert refusal["result"].status_code == 302
    assert not Summary.objects.filter(bsn=CONSENTED).exists()  # purged after the store


def test_emergency_access_without_a_policy_is_logged_as_attempted_and_refused(
    client, nurse, patients
):
    """A blank patient who cannot consent, with no policy in force: the ledger said
    "emergency access — succeeded" and then "access denied". It says refused now."""
    found = search(client, BLANK)
    page = client.get(
        answer(client, found, answer="cannot_consent", emergency_reason="unconscious")["Location"]
    )
    assert page.status_code == 403
    (emergency,) = events(EventType.EMERGENCY_ACCESS)
    assert emergency.outcome == Outcome.MINOR_FAILURE
    assert emergency.detail["needs_review"] is True
    (denied,) = events(EventType.ACCESS_DENIED)
    assert denied.detail["reason"] == "no_policy_in_force"
    assert not events(EventType.SUMMARY_VIEW)


def test_emergency_access_under_the_policy_is_logged_as_succeeded(
    client, nurse, patients, corona_opt_in
):
    found = search(client, BLANK)
    page = client.get(
        answer(
            client,
            found,
            answer="cannot_consent",
            emergency_reason="unconscious",
            suspected_covid="on",
        )["Location"]
    )
    assert page.status_code == 200
    (emergency,) = events(EventType.EMERGENCY_ACCESS)
    assert emergency.outcome == Outcome.SUCCESS
    assert events(EventType.SUMMARY_VIEW)


def test_the_summary_says_per_section_what_could_not_be_read(client, nurse, patients):
    """Issue 14: an unreadable item is left out of its section, and the section says so;
    the rest of the summary is shown (the medication list, the journal)."""
    from django.utils import timezone

    from summaries.fhir import parse_page
    from summaries.services.store import summaries_store
    from tests.summaries import builders as b

    no_product = b.medication("m2", pid="p0")
    del no_product["medicationCodeableConcept"]
    no_product["medicationReference"] = {"reference": "#gone"}
    page = parse_page(
        b.bundle(
            b.patient("p0", bsn=CONSENTED),
            b.gp(),
            b.allergy("a1", pid="p0", text=None),
            b.medication("m1", pid="p0"),
            no_product,
            b.journal("e1", pid="p0"),
        ),
        now=timezone.now(),
    )
    summaries_store(practice=patients, items=page.summaries, fetched_at=timezone.now())
    found = search(client, CONSENTED)
    html = client.get(answer(client, found, answer="agrees")["Location"]).content.decode()
    assert "metformine 500 mg tablet" in html and "Pneumonie" in html
    assert (
        "1 medicatie kon niet worden gelezen en wordt niet getoond — zie het dossier van de "
        "huisarts." in html
    )
    assert "1 allergie kon niet worden gelezen" in html
    # The allergy section does not say "none recorded": one was, but cannot be read.
    allergies = html.split('id="h-allergies"', 1)[1].split("</section>", 1)[0]
    assert "Niets vastgelegd." not in allergies
    assert 'data-section="lab"' not in html  # only sections with such items say so
