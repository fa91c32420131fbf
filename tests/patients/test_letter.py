"""A privacy officer makes the overview as a PDF for a patient who asked by letter: every
access by any organisation, the same rows as the patient's page; only for a patient their
organisation dealt with; logged, and listed on the patient's own page."""

import subprocess
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from audit import events
from audit.actors import Actor
from audit.models import AccessEvent, ConsentBasis, EventType
from patients.services import patient_overview_for_letter
from portal.access import Refusal
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BLANK, CONSENTED

pytestmark = pytest.mark.django_db

URL = "/toezicht/patientoverzicht/"
OWN_URA = "90000101"


def actor(name: str, organisation: str, ura: str) -> Actor:
    return Actor(
        username=name.lower(),
        name=name,
        portal_role=Role.TRIAGE,
        organisation_ura=ura,
        organisation_name=organisation,
    )


def viewed(who: Actor, bsn: str, basis=ConsentBasis.REGISTERED_CONSENT):
    return events.summary_viewed(
        actor=who,
        patient_bsn=bsn,
        encounter=uuid.uuid4(),
        reason="",
        consent_basis=basis,
        consent_policy="",
        emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
    )


@pytest.fixture
def officer(client):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura=OWN_URA)
    membership = MembershipFactory(
        user__username="privacy",
        user__first_name="Pim",
        user__last_name="Privacy",
        organisation=hap,
        role=Role.SUPERVISOR,
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return membership


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "overview.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # table cells wrap their words


def asked(client, bsn=CONSENTED, reference="Brief 2026-117", checked=True):
    data = {"bsn": bsn, "reference": reference}
    if checked:
        data["identity_checked"] = "on"
    return client.post(URL, data)


def test_the_pdf_lists_every_organisations_access_and_is_logged(client, officer, tmp_path):
    viewed(actor("Sanne de Vries", "HAP Stad", OWN_URA), CONSENTED)
    viewed(actor("Ali Bakker", "SEH Noord", "90000202"), CONSENTED, ConsentBasis.EMERGENCY_ACCESS)
    viewed(actor("Ali Bakker", "SEH Noord", "90000202"), BLANK)  # another patient

    response = asked(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert CONSENTED not in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert "Wie uw gegevens in Spoedinzage inzag" in text
    assert "Sanne de Vries" in text and "HAP Stad" in text
    assert "SEH Noord" in text and "Noodtoegang, omdat u niet kon antwoorden" in text
    assert text.count("Las de samenvatting van uw huisartsdossier") == 2  # not BLANK's
    assert "Brief 2026-117" in text and "Pim Privacy" in text

    event = AccessEvent.objects.get(event_type=EventType.PATIENT_LOG_READ)
    assert (event.patient_bsn, event.user_username, event.organisation_ura) == (
        CONSENTED,
        "privacy",
        OWN_URA,
    )
    assert event.detail == {
        "period": {"since": "", "until": ""},
        "shown": 2,
        "pdf": True,
        "reference": "Brief 2026-117",
    }


def test_the_patient_sees_on_their_page_that_the_overview_was_made(officer):
    viewed(actor("Sanne de Vries", "HAP Stad", OWN_URA), CONSENTED)
    patient_overview_for_letter(membership=officer, bsn=CONSENTED, reference="Brief 1")
    again = patient_overview_for_letter(membership=officer, bsn=CONSENTED, reference="Brief 2")
    assert [row.what for row in again.rows] == [
        "Maakte dit overzicht als pdf, omdat u er per brief om vroeg",
        "Las de samenvatting van uw huisartsdossier",
    ]


def test_a_patient_the_organisation_never_dealt_with_gets_nothing(client, officer):
    viewed(actor("Ali Bakker", "SEH Noord", "90000202"), CONSENTED)
    for _ in range(2):  # the refusal itself names the patient; it opens nothing the next time
        response = asked(client)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert "Uw organisatie heeft geen inzage in gegevens van deze patiënt" in (
            response.content.decode()
        )
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ).exists()
    denied = AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED)
    assert denied.count() == 2 and denied.first().patient_bsn == CONSENTED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bsn": "123456789"}, "123456789 is geen geldig BSN"),
        ({"reference": ""}, "Vul het kenmerk van de brief van de patiënt in."),
        ({"checked": False}, "Controleer of de brief van deze patiënt komt"),
    ],
)
def test_bad_input_names_the_field_and_logs_nothing(client, officer, data, message):
    viewed(actor("Sanne de Vries", "HAP Stad", OWN_URA), CONSENTED)
    before = AccessEvent.objects.count()
    response = asked(client, **data)
    assert message in response.content.decode()
    assert AccessEvent.objects.count() == before


def test_only_a_supervisor_makes_it(client, officer):
    nurse = MembershipFactory(organisation=officer.organisation, role=Role.TRIAGE)
    with pytest.raises(PermissionDenied):
        patient_overview_for_letter(membership=nurse, bsn=CONSENTED, reference="x")
    enrol_totp(nurse.user)
    client.force_login(nurse.user)
    assert asked(client).status_code == 403
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ).exists()


def test_a_refusal_is_not_a_pdf(officer):
    with pytest.raises(Refusal):
        patient_overview_for_letter(membership=officer, bsn=BLANK, reference="x")
