"""Guessing is not free: searches that found nobody count towards a limit with an alert, and
nothing about a patient — a registered refusal neither — is said for a BSN alone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import AccessEvent, Action, EventType, MisuseAlert, Outcome
from audit.services import access_event_record
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.services import consent_register
from summaries.models import Summary
from tests.triage.fixtures import BIRTH, CONSENTED, REFUSED
from triage.models import Encounter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _five_failed_searches_an_hour(settings):
    settings.TRIAGE_FAILED_SEARCHES_PER_HOUR = 5


NOBODY_BSN = "999911156"  # passes the 11-test; nobody has it
NOT_FOUND = "Geen patiënt gevonden met dit BSN en deze geboortedatum."
REFUSAL_SHOWN = "heeft een weigering geregistreerd"


def search(client, bsn, birth=BIRTH):
    return client.post("/triage/", {"bsn": bsn, "birth_date": birth.isoformat()})


def wrong_birth(n: int) -> dt.date:
    return BIRTH + dt.timedelta(days=n + 1)


def searched(bsn: str) -> AccessEvent:
    return AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH, patient_bsn=bsn).last()


def shape(event: AccessEvent) -> tuple:
    """Everything of a search event but the patient it names."""
    return (
        event.event_type,
        event.action,
        event.outcome,
        event.consent_basis,
        event.consent_policy,
        event.purpose_of_use,
        event.detail,
    )


def page_without_input(response, bsn: str) -> str:
    """The page as a different BSN typed into it would show it: the same."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return html.replace(bsn, "BSN")


def test_patient_search_the_sixth_failed_birth_date_for_one_bsn_is_refused_with_429(
    client, nurse, patients
):
    for n in range(5):
        response = search(client, CONSENTED, wrong_birth(n))
        assert response.status_code == 200 and NOT_FOUND in response.content.decode()
    sixth = search(client, CONSENTED, wrong_birth(5))
    assert sixth.status_code == 429
    # The right birth date now is refused too: otherwise the guessing would go on.
    seventh = search(client, CONSENTED, BIRTH)
    assert seventh.status_code == 429
    assert not Encounter.objects.exists()
    alert = MisuseAlert.objects.get()
    assert (alert.kind, alert.username, alert.hits) == ("failed_searches", "sanne", 2)
    assert (alert.organisation_ura, alert.organisation_name) == (nurse.organisation.ura, "HAP Stad")
    assert alert.detail == {"failed_searches_last_hour": 5, "limit": 5}
    refused = AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED)
    assert [(e.patient_bsn, e.detail["reason"]) for e in refused] == [
        (CONSENTED, "failed searches"),
        (CONSENTED, "failed searches"),
    ]
    assert AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).count() == 5


def test_patient_search_the_throttle_page_says_why(client, nurse, patients, settings):
    settings.TRIAGE_FAILED_SEARCHES_PER_HOUR = 1
    search(client, NOBODY_BSN)
    page = search(client, CONSENTED)
    assert page.status_code == 429
    assert page.templates[0].name == "triage/throttled.html"
    assert page.context["failed_searches"] is True


@pytest.mark.parametrize(("minutes_ago", "status"), [(59, 429), (61, 302)])
def test_patient_search_counts_failed_searches_over_a_sliding_hour(
    client, nurse, patients, minutes_ago, status
):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    for _ in range(5):
        access_event_record(
            event_type=EventType.PATIENT_SEARCH,
            action=Action.EXECUTE,
            outcome=Outcome.MINOR_FAILURE,
            actor=Actor.for_membership(nurse),
            patient_bsn=NOBODY_BSN,
            detail={"found": "nobody"},
            occurred_at=at,
        )
    assert search(client, CONSENTED).status_code == status


def test_patient_search_a_refusal_found_is_no_failed_search(client, nurse, patients, settings):
    settings.TRIAGE_FAILED_SEARCHES_PER_HOUR = 1
    for _ in range(3):
        assert REFUSAL_SHOWN in search(client, REFUSED).content.decode()
    assert search(client, CONSENTED).status_code == 302
    assert not MisuseAlert.objects.exists()


def test_patient_search_failed_searches_of_another_user_do_not_count(client, nurse, patients):
    from portal.models import Role
    from tests.factories import MembershipFactory, enrol_totp

    for n in range(5):
        search(client, CONSENTED, wrong_birth(n))
    other = MembershipFactory(organisation=nurse.organisation, role=Role.TRIAGE)
    enrol_totp(other.user)
    client.force_login(other.user)
    assert search(client, CONSENTED).status_code == 302


def test_patient_search_a_refusal_with_a_wrong_birth_date_answers_as_nobody_found(
    client, nurse, patients
):
    nobody = search(client, NOBODY_BSN, wrong_birth(0))
    refused = search(client, REFUSED, wrong_birth(0))
    assert refused.status_code == nobody.status_code == 200
    assert REFUSAL_SHOWN not in refused.content.decode()
    assert page_without_input(refused, REFUSED) == page_without_input(nobody, NOBODY_BSN)
    assert shape(searched(REFUSED)) == shape(searched(NOBODY_BSN))
    assert searched(REFUSED).consent_basis != "registered_refusal"
    assert not Encounter.objects.exists()


def test_patient_search_a_refusal_with_the_right_birth_date_says_refused(client, nurse, patients):
    response = search(client, REFUSED)
    assert REFUSAL_SHOWN in response.content.decode()
    assert searched(REFUSED).consent_basis == "registered_refusal"
    assert not Encounter.objects.exists()


def test_patient_search_a_refusal_on_the_spot_keeps_the_birth_date_that_the_purge_removed(
    client, nurse, patients
):
    found = search(client, CONSENTED)
    client.post(found["Location"], {"answer": "refuses", "register_lasting": "on"})
    assert not Summary.objects.filter(bsn=CONSENTED).exists()  # purged
    registration = ConsentRegistration.objects.filter(patient_bsn=CONSENTED).latest("id")
    assert (registration.decision, registration.patient_birth_date) == ("refusal", BIRTH)
    assert REFUSAL_SHOWN in search(client, CONSENTED).content.decode()
    wrong = search(client, CONSENTED, wrong_birth(0))
    assert NOT_FOUND in wrong.content.decode() and REFUSAL_SHOWN not in wrong.content.decode()


def test_patient_search_a_refusal_registered_with_a_birth_date_and_no_summary(
    client, nurse, patients
):
    consent_register(
        patient_bsn=NOBODY_BSN,
        scope=Scope.BOTH,
        decision=Decision.REFUSAL,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test"),
        patient_birth_date=BIRTH,
    )
    assert REFUSAL_SHOWN in search(client, NOBODY_BSN).content.decode()
    assert REFUSAL_SHOWN not in search(client, NOBODY_BSN, wrong_birth(0)).content.decode()


def test_patient_search_four_throttled_requests_are_one_alert_with_four_hits(
    client, nurse, patients, settings
):
    settings.TRIAGE_PATIENTS_PER_HOUR = 1
    search(client, CONSENTED)
    for bsn in (REFUSED, NOBODY_BSN, "999911168", "999911181"):
        assert search(client, bsn).status_code == 429
    alert = MisuseAlert.objects.get()
    assert (alert.kind, alert.username, alert.hits) == ("search_volume", "sanne", 4)
    assert alert.first_seen_at <= alert.last_seen_at
    assert alert.detail == {"patients_last_hour": 1, "limit": 1}
    assert AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 4


@pytest.mark.parametrize(
    ("bsn", "birth"),
    [
        (CONSENTED, BIRTH),
        (REFUSED, BIRTH),
        (REFUSED, BIRTH.replace(year=1951)),
        (NOBODY_BSN, BIRTH),
    ],
)
def test_the_facts_statement_agrees_with_the_orm(client, nurse, patients, bsn, birth):
    """The search's one hand-written statement (triage/search.py) against the ORM
    queries it stands for, over searches of this user and another, in and out of the hour."""
    from consent.selectors import registered_state
    from portal.models import Role
    from tests.factories import MembershipFactory
    from triage.search import _facts, requester_scope

    other = MembershipFactory(organisation=nurse.organisation, role=Role.TRIAGE)
    for membership, at in ((nurse, 90), (nurse, 10), (other, 10)):
        for searched_bsn, outcome, basis in (
            (CONSENTED, Outcome.SUCCESS, ""),
            (REFUSED, Outcome.MINOR_FAILURE, "registered_refusal"),
            (NOBODY_BSN, Outcome.MINOR_FAILURE, ""),
            ("999911168", Outcome.MINOR_FAILURE, ""),
        ):
            access_event_record(
                event_type=EventType.PATIENT_SEARCH,
                action=Action.EXECUTE,
                outcome=outcome,
                consent_basis=basis,
                actor=Actor.for_membership(membership),
                patient_bsn=searched_bsn,
                occurred_at=timezone.now() - dt.timedelta(minutes=at),
            )
    consent_register(
        patient_bsn=REFUSED,
        scope=Scope.HAP,
        decision=Decision.REFUSAL,
        source=Source.ON_THE_SPOT,
        actor=Actor.system("test"),
        patient_birth_date=BIRTH,
    )
    now = timezone.now()
    mine = AccessEvent.objects.filter(
        user_username=nurse.user.username,
        occurred_at__gte=now - dt.timedelta(hours=1),
        event_type=EventType.PATIENT_SEARCH,
    )
    facts = _facts(nurse, bsn, birth, now)
    assert facts.recent_patients == (
        mine.exclude(patient_bsn="").values("patient_bsn").distinct().count()
    )
    assert facts.seen_recently == mine.filter(patient_bsn=bsn).exists()
    assert (
        facts.failed_recently
        == mine.filter(outcome=Outcome.MINOR_FAILURE, consent_basis="").count()
    )
    assert facts.registered == registered_state(
        patient_bsn=bsn, requester_scope=requester_scope(nurse)
    )
    assert facts.summary_id == (
        Summary.objects.filter(bsn=bsn, birth_date=birth).values_list("id", flat=True).first()
    )
    assert facts.birth_date_registered == (
        ConsentRegistration.objects.filter(patient_bsn=bsn, patient_birth_date=birth).exists()
    )
    assert (facts.recent_patients, facts.failed_recently) == (4, 2)  # the data is as meant
