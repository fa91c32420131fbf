"""Browser tests of triage: each path of the consent decision, in Chromium, each page
checked with axe-core (tests/e2e/accessibility.py)."""

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from audit.models import AccessEvent, EventType
from portal.totp import totp_code
from tests.e2e.accessibility import assert_accessible
from tests.factories import enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED

pytestmark = pytest.mark.django_db(transaction=True)

AGREES = "De patiënt geeft toestemming"
REFUSES = "De patiënt weigert"
CANNOT = "De patiënt kan geen toestemming geven (noodtoegang)"
REASON = "Waarom kan de patiënt geen toestemming geven?"
BY_REPRESENTATIVE = (
    "Beantwoord door een vertegenwoordiger (ouder, voogd, wettelijk vertegenwoordiger)"
)
# UPDATE_SCREENS=1 writes the screenshots in docs/screens/ (committed, for readers).
SCREENS = Path(settings.BASE_DIR) / "docs" / "screens"


@pytest.fixture
def nurse(patients):
    from portal.models import Organisation, Role
    from tests.factories import MembershipFactory, OrganisationFactory

    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    membership = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    return enrol_totp(membership.user)


def sign_in(page: Page, live_server, secret) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    expect(page.locator("input[name=code]")).to_be_focused()  # the second factor, typed at once
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")


@pytest.fixture
def nurse_page(live_server, page: Page, nurse):
    sign_in(page, live_server, nurse)
    page.goto(f"{live_server.url}/triage/")
    return page


def search(page: Page, bsn: str, birth=BIRTH):
    expect(page.get_by_label("BSN")).to_be_focused()  # keyboard first
    assert_accessible(page)
    page.keyboard.type(bsn)
    page.get_by_label("Geboortedatum").fill(birth.isoformat())
    page.get_by_label("Geboortedatum").press("Enter")


def answer(page: Page, label: str, reason: str = "", **checks):
    """Choose the answer (and what goes with it), record it, and confirm on the review."""
    page.get_by_label(label).check()
    for name in checks:
        page.get_by_label(name).check()
    if reason:
        page.get_by_label(REASON).select_option(reason)
    page.get_by_role("button", name="Vastleggen en verder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer het antwoord")
    assert_accessible(page)
    page.locator("button[autofocus]").click()
    assert_accessible(page)


def basis_of_last_view():
    return AccessEvent.objects.filter(event_type=EventType.SUMMARY_VIEW).last().consent_basis


def test_consented_patient_view(nurse_page: Page):
    search(nurse_page, CONSENTED)
    answer(nurse_page, AGREES)
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    expect(nurse_page.get_by_role("heading", name="Allergieën en intoleranties")).to_be_visible()
    expect(nurse_page.get_by_text("Penicilline")).to_be_visible()
    expect(nurse_page.get_by_text("De patiënt kan gegevens hebben afgeschermd")).to_be_visible()
    expect(nurse_page.get_by_role("note")).to_contain_text("(Nederlandse tijd)")
    icon = nurse_page.locator("link[rel=icon]").first.get_attribute("href")
    assert nurse_page.request.get(urljoin(nurse_page.url, icon)).ok  # a favicon, served
    assert basis_of_last_view() == "registered_consent"


def test_blank_patient_under_corona_opt_in_agrees(nurse_page: Page, corona_opt_in):
    search(nurse_page, BLANK)
    answer(nurse_page, AGREES, **{"(Vermoeden van) COVID-19": True})
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    assert basis_of_last_view() == "on_the_spot_consent"


def test_blank_patient_with_the_policy_off_gets_no_summary(nurse_page: Page):
    search(nurse_page, BLANK)
    expect(nurse_page.get_by_role("status")).to_contain_text("Er geldt geen regeling")
    answer(nurse_page, AGREES)
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text(
        "De samenvatting kan niet worden getoond"
    )
    expect(nurse_page.get_by_role("alert")).to_contain_text("geen regeling stelt")
    expect(nurse_page.get_by_role("alert")).to_contain_text("Bel de huisartspraktijk")
    expect(nurse_page.get_by_text("Penicilline")).to_have_count(0)


def test_blank_patient_outside_the_policy_condition_is_told_so(nurse_page, corona_opt_in):
    search(nurse_page, BLANK)
    answer(nurse_page, AGREES)
    expect(nurse_page.get_by_role("alert")).to_contain_text("de geldende regeling geldt niet")
    expect(nurse_page.get_by_role("alert")).to_contain_text("(vermoeden van) COVID-19")


def test_registered_refusal_is_blocked(nurse_page: Page):
    search(nurse_page, REFUSED)
    expect(nurse_page.get_by_role("status")).to_contain_text("heeft een weigering geregistreerd")
    expect(nurse_page.get_by_role("status")).to_contain_text("Behandel de patiënt zonder")
    assert_accessible(nurse_page)


def test_not_found_says_what_to_check(nurse_page: Page):
    search(nurse_page, CONSENTED, BIRTH.replace(year=1951))
    expect(nurse_page.get_by_role("status")).to_contain_text("Geen patiënt gevonden")
    expect(nurse_page.get_by_role("status")).to_contain_text(
        "Controleer het BSN en de geboortedatum met de patiënt"
    )
    expect(nurse_page.get_by_role("status")).to_contain_text("niet aangesloten")
    assert_accessible(nurse_page)


def test_refusal_on_the_spot_is_blocked_and_recorded(nurse_page: Page):
    search(nurse_page, CONSENTED)
    answer(nurse_page, REFUSES)
    expect(nurse_page.get_by_role("alert")).to_contain_text("De patiënt weigerde")
    expect(nurse_page.get_by_role("alert")).to_contain_text("Behandel de patiënt zonder")
    assert AccessEvent.objects.filter(event_type=EventType.CONSENT_REFUSED).count() == 1


def test_emergency_access_is_viewed_and_flagged(nurse_page: Page, corona_opt_in):
    search(nurse_page, BLANK)
    nurse_page.get_by_label("(Vermoeden van) COVID-19").check()
    # The reason is asked once the answer is "cannot consent" (consent.js).
    answer(nurse_page, CANNOT, reason="unconscious")
    expect(nurse_page.get_by_text("Noodtoegang: deze inzage wordt beoordeeld.")).to_be_visible()
    assert basis_of_last_view() == "emergency_access"


def test_emergency_access_without_a_policy_says_it_is_impossible(nurse_page: Page):
    search(nurse_page, BLANK)
    answer(nurse_page, CANNOT, reason="unconscious")
    expect(nurse_page.get_by_role("alert")).to_contain_text("Noodtoegang is niet mogelijk")
    expect(nurse_page.get_by_role("alert")).to_contain_text("bel de huisartspraktijk")


def test_opening_the_summary_url_directly_is_denied_and_logged(nurse_page: Page):
    search(nurse_page, CONSENTED)
    expect(nurse_page).to_have_url(re.compile(r"/toestemming/$"))
    nurse_page.goto(nurse_page.url.replace("toestemming", "samenvatting"))
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text(
        "De samenvatting kan niet worden getoond"
    )
    expect(nurse_page.get_by_role("alert")).to_contain_text("Vraag de patiënt eerst")
    assert_accessible(nurse_page)
    denied = AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).last()
    assert denied.detail["reason"] == "not_asked"


def test_the_consent_page_names_the_patient_and_shows_only_what_applies(nurse_page: Page):
    search(nurse_page, CONSENTED)
    page = nurse_page
    expect(page.get_by_test_id("patient-name")).to_have_text("Jan Visser")
    expect(page.locator(".patient-identity")).to_contain_text("03-02-1950")
    today = timezone.localdate()
    age = today.year - 1950 - ((today.month, today.day) < (2, 3))
    expect(page.locator(".patient-identity")).to_contain_text(f"({age} jaar)")
    expect(page.get_by_role("status")).to_contain_text("Geregistreerd: toestemming.")
    expect(page.get_by_label(AGREES)).to_be_focused()
    # Untouched, nothing looks like an error: no field is :invalid, none flagged invalid.
    assert page.locator(":invalid, [aria-invalid=true], .utrecht-form-field--invalid").count() == 0
    expect(page.get_by_label(REASON)).to_be_hidden()
    expect(page.get_by_label(BY_REPRESENTATIVE)).to_be_hidden()
    page.get_by_label(AGREES).check()
    expect(page.get_by_label(BY_REPRESENTATIVE)).to_be_visible()
    expect(page.get_by_label("Wie antwoordde voor de patiënt (relatie, naam)")).to_be_hidden()
    page.get_by_label(BY_REPRESENTATIVE).check()
    expect(page.get_by_label("Wie antwoordde voor de patiënt (relatie, naam)")).to_be_visible()
    page.get_by_label(CANNOT).check()
    expect(page.get_by_label(REASON)).to_be_visible()
    expect(page.get_by_label(BY_REPRESENTATIVE)).to_be_hidden()
    assert_accessible(page)
    if os.environ.get("UPDATE_SCREENS"):
        page.get_by_label(AGREES).check()
        page.get_by_label(BY_REPRESENTATIVE).uncheck()
        page.locator("body").click(position={"x": 1, "y": 1})
        SCREENS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENS / "consent.png", full_page=True)


def test_a_wrong_answer_can_be_changed_before_the_summary(nurse_page: Page):
    search(nurse_page, CONSENTED)
    page = nurse_page
    page.get_by_label(REFUSES).check()
    page.get_by_role("button", name="Vastleggen en verder").click()
    expect(page.get_by_test_id("answer")).to_have_text(REFUSES)
    page.get_by_role("button", name="Antwoord wijzigen").click()
    expect(page.get_by_label(REFUSES)).to_be_checked()  # the answer comes back, unrecorded
    answer(page, AGREES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    assert not AccessEvent.objects.filter(event_type=EventType.CONSENT_REFUSED).exists()
    assert basis_of_last_view() == "registered_consent"


def test_without_javascript_every_field_shows_and_the_server_checks(
    live_server, browser: Browser, nurse
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, nurse)
    page.goto(f"{live_server.url}/triage/")
    # Not search(): axe-core is a script, and scripts are off here (the JS pages are checked).
    page.get_by_label("BSN").fill(BLANK)
    page.get_by_label("Geboortedatum").fill(BIRTH.isoformat())
    page.get_by_label("Geboortedatum").press("Enter")
    expect(page.get_by_label(REASON)).to_be_visible()
    expect(page.get_by_label(BY_REPRESENTATIVE)).to_be_visible()
    page.get_by_label(CANNOT).check()
    page.get_by_role("button", name="Vastleggen en verder").click()
    expect(page.get_by_text("Noodtoegang vraagt om een reden.")).to_be_visible()
    context.close()


def test_no_summary_available_says_to_phone_the_practice(nurse_page: Page):
    from audit.actors import Actor
    from summaries.services.purge import summary_purge

    search(nurse_page, CONSENTED)
    summary_purge(bsn=CONSENTED, actor=Actor.system("test"), reason="test")
    answer(nurse_page, AGREES)
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Geen samenvatting beschikbaar")
    expect(nurse_page.get_by_role("alert")).to_contain_text("Bel de huisartspraktijk")


def test_an_unreachable_practice_is_said_with_the_summary(nurse_page: Page, patients):
    patients.consecutive_failures = 3
    patients.save(update_fields=["consecutive_failures"])
    search(nurse_page, CONSENTED)
    answer(nurse_page, AGREES)
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    expect(nurse_page.get_by_role("alert")).to_contain_text(
        "Praktijk Zuid is op dit moment niet bereikbaar"
    )
    expect(nurse_page.get_by_role("alert")).to_contain_text("telefonisch")


def test_keyboard_only_from_home_to_a_consented_summary(live_server, browser: Browser, nurse):
    """A nurse, signed in, on the start page: every key counted."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, nurse)
    page.goto(f"{live_server.url}/")
    keys = 0

    def press(key: str) -> None:
        nonlocal keys
        page.keyboard.press(key)
        keys += 1

    def type_(text: str) -> None:
        for character in text:
            press(character)

    expect(page.locator("a[autofocus]")).to_be_focused()  # waits for it, types nothing
    press("Enter")  # the start page focuses "find a patient"
    expect(page.get_by_label("BSN")).to_be_focused()
    type_(CONSENTED)
    press("Tab")
    # A date input takes its field order from the browser's own language (headless
    # Chromium: en-US, month first, whatever the context's locale); eight digits either way.
    type_(BIRTH.strftime("%m%d%Y"))
    press("Enter")
    expect(page.get_by_label(AGREES)).to_be_focused()
    press("Space")
    press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer het antwoord")
    press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    print(f"keystrokes from the start page to the summary: {keys}")
    assert keys <= 25
    if os.environ.get("UPDATE_SCREENS"):
        SCREENS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENS / "summary.png", full_page=True)
    context.close()


def test_throttled_page_says_when_searching_works_again(nurse_page: Page, settings):
    from tests.triage.fixtures import BIRTH as birth

    settings.TRIAGE_FAILED_SEARCHES_PER_HOUR = 1
    search(nurse_page, CONSENTED, birth - dt.timedelta(days=1))
    nurse_page.get_by_label("BSN").fill("")
    search(nurse_page, CONSENTED)
    expect(nurse_page.get_by_role("alert")).to_contain_text("Binnen het uur kunt u weer zoeken")
    expect(nurse_page.get_by_role("link", name="Terug naar de startpagina")).to_be_visible()
    assert_accessible(nurse_page)
