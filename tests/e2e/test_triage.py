"""Browser tests of triage: each path of the consent decision, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import AccessEvent, EventType
from portal.totp import totp_code
from tests.factories import enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nurse_page(live_server, page: Page, patients, django_user_model):
    from portal.models import Organisation, Role
    from tests.factories import MembershipFactory, OrganisationFactory

    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    membership = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    secret = enrol_totp(membership.user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    page.goto(f"{live_server.url}/triage/")
    return page


def search(page: Page, bsn: str, birth=BIRTH):
    expect(page.get_by_label("BSN")).to_be_focused()  # keyboard first
    page.keyboard.type(bsn)
    page.get_by_label("Geboortedatum").fill(birth.isoformat())
    page.get_by_label("Geboortedatum").press("Enter")


def answer(page: Page, label: str, **checks):
    page.get_by_label(label).check()
    for name in checks:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Vastleggen en verder").click()


def basis_of_last_view():
    return AccessEvent.objects.filter(event_type=EventType.SUMMARY_VIEW).last().consent_basis


def test_consented_patient_view(nurse_page: Page):
    search(nurse_page, CONSENTED)
    answer(nurse_page, "De patiënt geeft toestemming")
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    expect(nurse_page.get_by_role("heading", name="Allergieën en intoleranties")).to_be_visible()
    expect(nurse_page.get_by_text("Penicilline")).to_be_visible()
    expect(nurse_page.get_by_text("De patiënt kan gegevens hebben afgeschermd")).to_be_visible()
    assert basis_of_last_view() == "registered_consent"


def test_blank_patient_under_corona_opt_in_agrees(nurse_page: Page, corona_opt_in):
    search(nurse_page, BLANK)
    answer(nurse_page, "De patiënt geeft toestemming", **{"(Vermoeden van) COVID-19": True})
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    assert basis_of_last_view() == "on_the_spot_consent"


def test_blank_patient_with_the_policy_off_gets_no_summary(nurse_page: Page):
    search(nurse_page, BLANK)
    answer(nurse_page, "De patiënt geeft toestemming")
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text(
        "De samenvatting kan niet worden getoond"
    )
    expect(nurse_page.get_by_text("Penicilline")).to_have_count(0)


def test_registered_refusal_is_blocked(nurse_page: Page):
    search(nurse_page, REFUSED)
    expect(nurse_page.get_by_role("status")).to_contain_text("heeft een weigering geregistreerd")


def test_refusal_on_the_spot_is_blocked_and_recorded(nurse_page: Page):
    search(nurse_page, CONSENTED)
    answer(nurse_page, "De patiënt weigert")
    expect(nurse_page.get_by_role("alert")).to_contain_text("De patiënt weigerde")
    assert AccessEvent.objects.filter(event_type=EventType.CONSENT_REFUSED).count() == 1


def test_emergency_access_is_viewed_and_flagged(nurse_page: Page, corona_opt_in):
    search(nurse_page, BLANK)
    nurse_page.get_by_label("(Vermoeden van) COVID-19").check()
    nurse_page.get_by_label("Waarom kan de patiënt geen toestemming geven?").select_option(
        "unconscious"
    )
    answer(nurse_page, "De patiënt kan geen toestemming geven (noodtoegang)")
    expect(nurse_page.get_by_text("Noodtoegang: deze inzage wordt beoordeeld.")).to_be_visible()
    assert basis_of_last_view() == "emergency_access"


def test_opening_the_summary_url_directly_is_denied_and_logged(nurse_page: Page):
    search(nurse_page, CONSENTED)
    expect(nurse_page).to_have_url(re.compile(r"/toestemming/$"))
    nurse_page.goto(nurse_page.url.replace("toestemming", "samenvatting"))
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text(
        "De samenvatting kan niet worden getoond"
    )
    denied = AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).last()
    assert denied.detail["reason"] == "not_asked"
