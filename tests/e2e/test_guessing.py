"""In the browser: a nurse who tries one BSN with birth date after birth date is stopped."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from audit.models import MisuseAlert
from portal.totp import totp_code
from tests.e2e.accessibility import assert_accessible
from tests.factories import enrol_totp
from tests.triage.fixtures import BIRTH, CONSENTED
from triage.models import Encounter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _five_failed_searches_an_hour(settings):
    settings.TRIAGE_FAILED_SEARCHES_PER_HOUR = 5


@pytest.fixture
def nurse_page(live_server, page: Page, patients):
    """Sanne, triage nurse at a HAP, signed in with her second factor, on the search page."""
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


def dutch(message: str) -> str:
    with translation.override("nl"):
        return translation.gettext(message)


def try_birth_date(page: Page, bsn: str, birth) -> int:
    """Search as a person does, and return the status of the answer."""
    page.get_by_label("BSN").fill(bsn)
    page.get_by_label("Geboortedatum").fill(birth.isoformat())
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/triage/")
    ) as answer:
        page.get_by_label("Geboortedatum").press("Enter")
    return answer.value.status


def test_a_nurse_guessing_birth_dates_for_one_bsn_is_stopped(nurse_page: Page):
    page = nurse_page
    for year in range(1951, 1956):
        assert try_birth_date(page, CONSENTED, BIRTH.replace(year=year)) == 200
        # The alert says what happened, then the next step.
        expect(page.get_by_role("status")).to_contain_text(
            "Geen patiënt gevonden met dit BSN en deze geboortedatum."
        )
        expect(page.get_by_role("status")).to_contain_text("Controleer het BSN")
    # The sixth try has the right birth date: too late, the patient is not opened.
    assert try_birth_date(page, CONSENTED, BIRTH) == 429
    expect(page.get_by_role("heading", level=1)).to_have_text(
        dutch("Too many searches that found nobody")
    )
    expect(page.get_by_role("alert")).to_contain_text("Binnen het uur kunt u weer zoeken")
    expect(page).to_have_url(re.compile(r"/triage/$"))
    assert_accessible(page)
    assert not Encounter.objects.exists()
    alert = MisuseAlert.objects.get()
    assert (alert.kind, alert.username, alert.hits) == ("failed_searches", "sanne", 1)
