"""Browser tests of the administrator's policies page: by keyboard from the start page to the
stop button, which a nurse's very next request obeys; a period with its end before its start
is refused at the field; a new policy. Each page checked with axe-core."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from consent.models import Policy, PolicyChange
from portal.models import Organisation, Role
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import signed_in
from tests.e2e.test_triage import AGREES, SCREENS, answer, search
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BLANK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def accounts(patients):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    admin = MembershipFactory(
        user__username="beheer",
        user__first_name="Anna",
        user__last_name="Visser",
        organisation=hap,
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    nurse = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    return enrol_totp(admin.user), enrol_totp(nurse.user)


def to_the_policy(admin: Page) -> None:
    """Start page → policies → the first policy, by keyboard: each link waits focused."""
    expect(admin.get_by_role("link", name="Regelingen voor patiënten")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Regelingen")
    expect(admin.get_by_test_id("policies")).to_contain_text("In werking")
    assert_accessible(admin)
    if os.environ.get("UPDATE_SCREENS"):
        admin.screenshot(path=SCREENS / "policies.png", full_page=True)
    expect(admin.get_by_role("link", name="Corona Opt-in")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Corona Opt-in")
    assert_accessible(admin)


def test_the_stop_button_by_keyboard_and_the_nurses_very_next_request(
    browser: Browser, live_server, accounts, corona_opt_in
):
    admin_secret, nurse_secret = accounts
    nurse = signed_in(browser, live_server, "sanne", nurse_secret)
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, BLANK)
    nurse.get_by_label("(Vermoeden van) COVID-19").check()
    answer(nurse, AGREES)
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Jan Visser")

    admin = signed_in(browser, live_server, "beheer", admin_secret)
    to_the_policy(admin)
    # The cursor waits in the stop button's reason; Tab reaches the button.
    expect(admin.get_by_label("Reden", exact=True)).to_be_focused()
    admin.keyboard.type("Stopknop: de gedoogperiode is voorbij")
    admin.keyboard.press("Tab")
    expect(admin.get_by_role("button", name="Volgende: uitzetten controleren")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("heading", level=1)).to_have_text("„Corona Opt-in” uitzetten?")
    expect(admin.get_by_role("status")).to_contain_text(
        "Vanaf het eerstvolgende verzoek kan geen HAP of SEH"
    )
    assert_accessible(admin)
    expect(admin.get_by_role("button", name="Uitzetten")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.get_by_text("De regeling staat uit.")).to_be_visible()
    expect(admin.get_by_test_id("policy")).to_contain_text("Niet in werking: uitgezet")
    expect(admin.get_by_test_id("history")).to_contain_text("Stopknop: de gedoogperiode")
    expect(admin.get_by_test_id("history")).to_contain_text("Anna Visser, HAP Stad")
    assert_accessible(admin)
    if os.environ.get("UPDATE_SCREENS"):
        admin.screenshot(path=SCREENS / "policy.png", full_page=True)

    nurse.reload()  # the very next request
    expect(nurse.get_by_role("heading", level=1)).to_have_text(
        "De samenvatting kan niet worden getoond"
    )
    expect(nurse.get_by_text("Penicilline")).to_have_count(0)
    corona_opt_in.refresh_from_db()
    assert corona_opt_in.is_on is False


def test_an_end_before_the_start_is_refused_at_the_field(
    browser: Browser, live_server, accounts, corona_opt_in
):
    admin = signed_in(browser, live_server, "beheer", accounts[0])
    to_the_policy(admin)
    admin.get_by_label("Geldig vanaf").fill("2027-04-01T00:00")
    admin.get_by_label("Geldig tot (optioneel)").fill("2027-03-01T00:00")
    admin.get_by_label("Reden van de wijziging").fill("Verschuiven")
    admin.get_by_role("button", name="Periode opslaan").click()
    error = "„Geldig tot” moet later zijn dan „Geldig vanaf”."
    expect(admin.get_by_role("alert")).to_contain_text(error)
    # The field with the error has the cursor, and says what is wrong to a screen reader.
    field = admin.get_by_label("Geldig tot (optioneel)")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(error)
    assert_accessible(admin)
    assert not PolicyChange.objects.exists()


def test_a_new_policy_starts_switched_off(browser: Browser, live_server, accounts):
    admin = signed_in(browser, live_server, "beheer", accounts[0])
    expect(admin.get_by_role("link", name="Regelingen voor patiënten")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.get_by_text("Er zijn geen regelingen")).to_be_visible()
    expect(admin.get_by_role("link", name="Nieuwe regeling")).to_be_focused()  # none yet
    admin.keyboard.press("Enter")
    expect(admin.get_by_label("Naam")).to_be_focused()
    assert_accessible(admin)
    admin.keyboard.type("Toestemming ter plekke")
    admin.get_by_label("Geldig vanaf").fill("2027-01-01T00:00")
    admin.get_by_label("Geen voorwaarde").check()
    admin.get_by_label("Reden of grondslag").fill("Wet van 1 januari 2027")
    admin.get_by_role("button", name="Regeling aanmaken").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Toestemming ter plekke")
    expect(admin.get_by_test_id("policy")).to_contain_text("Niet in werking: uitgezet")
    expect(admin.get_by_test_id("history")).to_contain_text("Aangemaakt")
    assert_accessible(admin)
    assert Policy.objects.get().is_on is False
