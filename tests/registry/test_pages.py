"""The GP's pages: find one of the practice's own patients, register a choice with a
confirmation step, see the history and who consulted the summary."""

import re

import pytest

from audit.models import AccessEvent, EventType
from consent.models import ConsentRegistration, Decision
from portal.models import Organisation, Role
from summaries.models import Enrolment, GpPractice, Summary
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def gp(client, patients):
    """A GP of the practice the fixtures' summaries were pulled from (AGB 01100000)."""
    practice = OrganisationFactory(
        kind=Organisation.Kind.GP_PRACTICE, name="Praktijk Zuid", agb=patients.agb, ura=""
    )
    membership = MembershipFactory(
        user__username="huisarts", organisation=practice, role=Role.GP, uzi_role_code="01.015"
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return membership


def find(client, bsn, birth=BIRTH):
    return client.post("/registratie/", {"bsn": bsn, "birth_date": birth.isoformat()})


def review(client, **choice):
    response = client.post("/registratie/patient/", {"scope": "both", **choice, "review": "1"})
    assert response.status_code == 200
    return response


def confirm(client, **choice):
    return client.post("/registratie/patient/", {"scope": "both", **choice, "confirm": "1"})


def register(client, **choice):
    return review(client, **choice), confirm(client, **choice)


def test_the_pull_enrolled_the_patients_with_their_practice(patients):
    assert set(Enrolment.objects.values_list("bsn", flat=True)) == {
        CONSENTED,
        BLANK,
        "999911144",
    }
    assert {e.practice_id for e in Enrolment.objects.all()} == {patients.pk}


def test_a_gp_registers_a_refusal_after_a_confirmation_and_the_summary_goes(client, gp):
    found = find(client, BLANK)
    assert found.status_code == 302 and found["Location"] == "/registratie/patient/"
    page = client.get("/registratie/patient/").content.decode()
    assert BLANK in page
    # Nothing was ever registered: "no choice", not "withdrawn".
    assert re.findall(r'data-scope="(\w+)">([^<]*)<', page) == [
        ("hap", "Geen keuze"),
        ("seh", "Geen keuze"),
    ]
    html = review(client, decision="refusal").content.decode()
    assert "binnen een minuut" in html and "Weigering" in html
    assert ConsentRegistration.objects.filter(patient_bsn=BLANK).count() == 0  # not yet
    assert confirm(client, decision="refusal").status_code == 302
    registration = ConsentRegistration.objects.get(patient_bsn=BLANK)
    assert (registration.decision, registration.source, registration.registered_by_username) == (
        "refusal",
        "gp_practice",
        "huisarts",
    )
    assert not Summary.objects.filter(bsn=BLANK).exists()
    assert Enrolment.objects.filter(bsn=BLANK).exists()  # kept: BSN and practice
    # After the purge the GP still finds the patient (by the registration's birth date).
    assert find(client, BLANK)["Location"] == "/registratie/patient/"
    page = client.get("/registratie/patient/").content.decode()
    assert "Weigering" in page and "Geregistreerd door de huisartsenpraktijk" in page


def test_another_practices_patient_is_answered_as_unknown_and_logged(client, gp, patients):
    other = GpPractice.objects.create(
        agb="01100001", name="Praktijk Noord", fhir_base_url="http://n.example/fhir", token="t"
    )
    Enrolment.objects.filter(bsn=CONSENTED).update(practice=other)
    theirs = find(client, CONSENTED).content.decode()
    unknown = find(client, "999911168").content.decode()
    assert "Geen patiënt van uw praktijk gevonden" in theirs

    def strip(html, bsn):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html).replace(bsn, "")

    assert strip(theirs, CONSENTED) == strip(unknown, "999911168")
    assert client.get("/registratie/patient/")["Location"] == "/registratie/"
    searches = AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).order_by("seq")
    assert [e.detail["enrolled_elsewhere"] for e in searches] == [True, False]
    assert ConsentRegistration.objects.filter(patient_bsn=CONSENTED).count() == 1  # as before


def test_a_wrong_birth_date_finds_nobody(client, gp):
    assert "Geen patiënt" in find(client, BLANK, BIRTH.replace(year=1951)).content.decode()


def test_the_page_lists_who_consulted_the_summary_and_is_itself_logged(client, gp):
    from audit.actors import Actor
    from audit.models import Action, ConsentBasis
    from audit.services import access_event_record

    access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=Actor(username="sanne", name="S", organisation_name="HAP Stad", portal_role="triage"),
        patient_bsn=CONSENTED,
        consent_basis=ConsentBasis.EMERGENCY_ACCESS,
    )
    find(client, CONSENTED)
    page = client.get("/registratie/patient/").content.decode()
    assert "HAP Stad" in page and "Noodtoegang" in page
    viewed = AccessEvent.objects.get(event_type=EventType.REGISTRY_VIEW)
    assert (viewed.patient_bsn, viewed.detail) == (CONSENTED, {"consultations_shown": 1})


def test_a_nurse_cannot_reach_the_gp_pages(client, nurse):
    assert find(client, BLANK).status_code == 403
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_SEARCH).exists()


def test_the_home_page_links_the_gp_to_the_registry(client, gp):
    assert 'href="/registratie/"' in client.get("/").content.decode()


def test_withdrawal_and_consent_keep_the_summary(client, gp):
    find(client, BLANK)
    register(client, decision="consent", scope="hap")
    register(client, decision="blank")
    assert Summary.objects.filter(bsn=BLANK).exists()
    assert list(
        ConsentRegistration.objects.filter(patient_bsn=BLANK)
        .order_by("id")
        .values_list("decision", "scope")
    ) == [(Decision.CONSENT, "hap"), (Decision.BLANK, "both")]


def _consulted(bsn, count):
    from audit.actors import Actor
    from audit.models import Action, ConsentBasis
    from audit.services import access_event_record

    for n in range(count):
        access_event_record(
            event_type=EventType.SUMMARY_VIEW,
            action=Action.READ,
            actor=Actor(
                username=f"n{n}", name="N", organisation_name=f"HAP {n}", portal_role="doctor"
            ),
            patient_bsn=bsn,
            consent_basis=ConsentBasis.REGISTERED_CONSENT,
        )


def test_the_page_shows_the_history_with_its_labels_and_the_50_newest_consultations(client, gp):
    from audit.actors import Actor
    from consent.models import Scope, Source
    from consent.services import consent_register

    consent_register(
        patient_bsn=CONSENTED,
        scope=Scope.HAP,
        decision=Decision.REFUSAL,
        source=Source.PATIENT,
        actor=Actor(username="p", name="Piet", organisation_name=""),
        by_representative=True,
    )
    _consulted(CONSENTED, 52)
    find(client, CONSENTED)
    page = client.get("/registratie/patient/").content.decode()
    assert re.findall(r'data-scope="(\w+)">([^<]*)<', page) == [
        ("hap", "Weigering"),
        ("seh", "Toestemming"),
    ]
    history = page.split('data-testid="history"')[1].split("</table>")[0]
    rows = re.findall(r'<td class="utrecht-table__cell">([^<]*)</td>', history)
    assert rows[1:5] == [
        "Weigering",
        "Huisartsenposten (HAP)",
        "Geregistreerd door de patiënt",
        "Piet (via een vertegenwoordiger)",
    ]
    assert rows[6:9] == ["Toestemming", "HAP en SEH", "Geregistreerd door de huisartsenpraktijk"]
    assert rows[9] == "Eva Jansen"  # the fixtures' registration: no organisation, no representative
    consultations = page.split('data-testid="consultations"')[1].split("</table>")[0]
    shown = re.findall(r"<td[^>]*>(HAP \d+)</td>", consultations)
    assert shown == [f"HAP {n}" for n in range(51, 1, -1)]  # newest first, the oldest two not
    assert consultations.count('<td class="utrecht-table__cell">Arts</td>') == 50
    viewed = AccessEvent.objects.get(event_type=EventType.REGISTRY_VIEW)
    assert viewed.detail == {"consultations_shown": 50}


def test_a_patient_who_left_the_practice_after_the_search_is_not_shown(client, gp, patients):
    find(client, CONSENTED)
    other = GpPractice.objects.create(
        agb="01100001", name="Praktijk Noord", fhir_base_url="http://n.example/fhir", token="t"
    )
    Enrolment.objects.filter(bsn=CONSENTED).update(practice=other)
    response = client.get("/registratie/patient/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "niet (of niet meer) ingeschreven bij uw praktijk" in page
    assert "Jan Visser" not in page and 'data-testid="history"' not in page
    assert not AccessEvent.objects.filter(event_type=EventType.REGISTRY_VIEW).exists()


@pytest.mark.django_db(transaction=True)
def test_when_the_page_cannot_be_logged_nothing_of_the_patient_is_shown(client, gp):
    """The database refuses the ledger row (a trigger standing in for a full disk or a
    broken ledger): the page fails without the patient's data."""
    from django.db import connection

    _consulted(CONSENTED, 1)
    find(client, CONSENTED)
    assert "Jan Visser" in client.get("/registratie/patient/").content.decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$; "
            "CREATE TRIGGER test_refuse BEFORE INSERT ON audit_accessevent "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        client.raise_request_exception = False
        response = client.get("/registratie/patient/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_refuse ON audit_accessevent; DROP FUNCTION test_refuse()"
            )
    assert response.status_code == 500
    page = response.content.decode()
    assert CONSENTED not in page and "Jan Visser" not in page and "HAP 0" not in page
    assert AccessEvent.objects.filter(event_type=EventType.REGISTRY_VIEW).count() == 1
