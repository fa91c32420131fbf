"""Browser tests of the GP's pages: a refusal registered by the GP, seen by the next
triage search; another practice's patient is not found; a withdrawal followed by a pull
brings the summary back. Each page checked with axe-core."""

import os

import pytest
from playwright.sync_api import Browser, expect

from audit.actors import Actor
from portal.models import Organisation, Role
from portal.totp import totp_code
from simulator.process import SimulatorProcess
from summaries.models import Enrolment, GpPractice, Summary
from summaries.services.practices import practices_register
from summaries.services.pull import practice_pull
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_triage import AGREES, SCREENS, answer, search
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(browser: Browser, live_server, username: str, secret: str):
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    return page


@pytest.fixture
def accounts(patients):
    practice = OrganisationFactory(
        kind=Organisation.Kind.GP_PRACTICE, name="Praktijk Zuid", agb=patients.agb, ura=""
    )
    gp = MembershipFactory(
        user__username="huisarts", organisation=practice, role=Role.GP, uzi_role_code="01.015"
    )
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    nurse = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    return enrol_totp(gp.user), enrol_totp(nurse.user)


def gp_search(page, bsn, birth=BIRTH):
    expect(page.get_by_label("BSN")).to_be_focused()
    page.keyboard.type(bsn)
    page.get_by_label("Geboortedatum").fill(birth.isoformat())
    page.get_by_label("Geboortedatum").press("Enter")


def test_a_gp_refusal_is_seen_by_the_next_triage_search(browser: Browser, live_server, accounts):
    gp_secret, nurse_secret = accounts
    gp = signed_in(browser, live_server, "huisarts", gp_secret)
    # The home page links the GP's capability, focused: Enter opens it.
    gp.keyboard.press("Enter")
    expect(gp.get_by_role("heading", level=1)).to_have_text("Keuze van een patiënt registreren")
    assert_accessible(gp)
    gp_search(gp, BLANK)
    expect(gp.get_by_test_id("current")).to_contain_text("Geen keuze")
    assert_accessible(gp)
    if os.environ.get("UPDATE_SCREENS"):
        gp.screenshot(path=SCREENS / "gp-patient.png", full_page=True)
    expect(gp.get_by_label("Toestemming: HAP en SEH mogen de samenvatting inzien")).to_be_focused()
    gp.get_by_label("Weigering: niemand mag de samenvatting inzien").check()
    gp.get_by_role("button", name="Volgende: controleren").click()
    expect(gp.get_by_role("heading", level=1)).to_have_text("Controleer de keuze")
    expect(gp.get_by_role("status")).to_contain_text("binnen een minuut")
    assert_accessible(gp)
    gp.keyboard.press("Enter")  # the confirm button has the focus
    expect(gp.get_by_text("De keuze is geregistreerd.")).to_be_visible()
    expect(gp.get_by_test_id("current")).to_contain_text("Weigering")
    expect(gp.get_by_test_id("history")).to_contain_text("Geregistreerd door de huisartsenpraktijk")
    assert not Summary.objects.filter(bsn=BLANK).exists()

    nurse = signed_in(browser, live_server, "sanne", nurse_secret)
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, BLANK)
    expect(nurse.get_by_role("status")).to_contain_text("weigering geregistreerd")


def test_the_gp_of_one_practice_finds_nothing_of_anothers_patient(
    browser: Browser, live_server, accounts, patients
):
    other = GpPractice.objects.create(
        agb="01100001", name="Praktijk Noord", fhir_base_url="http://n.example/fhir", token="t"
    )
    Enrolment.objects.filter(bsn=CONSENTED).update(practice=other)
    gp = signed_in(browser, live_server, "huisarts", accounts[0])
    gp.goto(f"{live_server.url}/registratie/")
    gp_search(gp, CONSENTED)
    expect(gp.get_by_role("status")).to_contain_text("Geen patiënt van uw praktijk gevonden")
    assert_accessible(gp)


@pytest.fixture(scope="module")
def simulator():
    sim = SimulatorProcess("--practices", "1", "--patients-per-practice", "5", "--seed", "11")
    yield sim
    sim.stop()


def register_choice(page, label: str) -> None:
    page.get_by_label(label).check()
    page.get_by_role("button", name="Volgende: controleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer de keuze")
    page.keyboard.press("Enter")
    expect(page.get_by_text("De keuze is geregistreerd.")).to_be_visible()


def test_a_withdrawal_followed_by_a_pull_brings_the_summary_back(
    browser: Browser, live_server, simulator, corona_opt_in
):
    (practice,) = practices_register(listing=simulator.practices(), actor=Actor.system("test"))
    practice_pull(practice=practice)
    summary = Summary.objects.filter(practice=practice).order_by("bsn").first()
    bsn, birth, name = summary.bsn, summary.birth_date, summary.sections["patient"]["name"]
    organisation = OrganisationFactory(
        kind=Organisation.Kind.GP_PRACTICE, name=practice.name, agb=practice.agb, ura=""
    )
    gp_member = MembershipFactory(
        user__username="huisarts", organisation=organisation, role=Role.GP, uzi_role_code="01.015"
    )
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    nurse_member = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)

    gp = signed_in(browser, live_server, "huisarts", enrol_totp(gp_member.user))
    gp.goto(f"{live_server.url}/registratie/")
    gp_search(gp, bsn, birth)
    register_choice(gp, "Weigering: niemand mag de samenvatting inzien")
    assert not Summary.objects.filter(bsn=bsn).exists()
    register_choice(gp, "Intrekken: terug naar geen keuze")
    expect(gp.get_by_test_id("current")).to_contain_text("Geen keuze")
    assert not Summary.objects.filter(bsn=bsn).exists()  # back with the next pull, not before

    counts = practice_pull(practice=GpPractice.objects.get(pk=practice.pk))  # as beat would
    assert counts.refetched == 1 and Summary.objects.filter(bsn=bsn).exists()

    nurse = signed_in(browser, live_server, "sanne", enrol_totp(nurse_member.user))
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, bsn, birth)
    answer(nurse, AGREES, **{"(Vermoeden van) COVID-19": True})
    expect(nurse.get_by_role("heading", level=1)).to_have_text(name)
