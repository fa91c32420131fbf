"""Browser test of the patient's flow (issue 16): the GP prints an activation code, the
patient opens their account with it, confirms their e-mail address and sets up a second
factor, reads who looked at their data, and registers a refusal that the next triage
search respects. Each page checked with axe-core."""

import os
import re
import subprocess
import uuid

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from audit import events
from audit.actors import Actor
from audit.models import ConsentBasis
from portal.models import Organisation, Role
from portal.totp import totp_code
from summaries.models import Summary
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import accounts, gp_search, signed_in  # noqa: F401 - fixture
from tests.e2e.test_triage import AGREES, SCREENS, answer, search
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BIRTH, CONSENTED

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "een lang wachtwoord 4 mij"


def screenshot(page: Page, name: str) -> None:
    if os.environ.get("UPDATE_SCREENS"):
        page.screenshot(path=SCREENS / name, full_page=True)


def letter_code(gp: Page) -> str:
    gp.goto(gp.url.split("/", 3)[0] + "//" + gp.url.split("/")[2] + "/registratie/")
    gp_search(gp, CONSENTED)
    gp.get_by_role("button", name="Activeringscode voor de patiënt maken").click()
    expect(gp.get_by_role("heading", level=1)).to_have_text("Uw activeringscode voor Spoedinzage")
    expect(gp.get_by_role("button", name="Brief afdrukken")).to_be_focused()
    assert_accessible(gp)
    screenshot(gp, "activation-letter.png")
    return gp.get_by_test_id("code").inner_text()


def patient_opens_account(browser: Browser, live_server, code: str) -> Page:
    patient = browser.new_page()
    patient.goto(f"{live_server.url}/mijn/activeren/")
    expect(
        patient.get_by_label("Activeringscode (uit de brief van uw huisartsenpraktijk)")
    ).to_be_focused()
    assert_accessible(patient)
    patient.keyboard.type(code.lower().replace("-", " "))  # as typed from the letter
    patient.get_by_label("Uw geboortedatum").fill(BIRTH.isoformat())
    patient.get_by_label("Uw e-mailadres (hiermee logt u in)").fill("jan@example.org")
    patient.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    patient.get_by_label("Hetzelfde wachtwoord nog eens").fill(PASSWORD)
    screenshot(patient, "patient-activate.png")
    patient.get_by_role("button", name="Open mijn account").click()

    # First the e-mail address: until it is confirmed the patient sees none of their data.
    expect(patient).to_have_url(re.compile(r"/mijn/e-mail/$"))
    assert_accessible(patient)
    patient.goto(f"{live_server.url}/mijn/")
    expect(patient).to_have_url(re.compile(r"/mijn/e-mail/$"))
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body)[0]
    patient.goto(link)
    patient.get_by_role("button", name="Bevestigen").click()

    # Then the second factor: nothing of their data opens without it.
    expect(patient).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = patient.locator("#authenticator_secret").input_value()
    patient.locator("input[name=code]").fill(totp_code(secret))
    patient.locator("input[name=code]").press("Enter")
    expect(patient).not_to_have_url(re.compile(r"/totp/activate/$"))
    patient.get_by_role("link", name="Spoedinzage").first.click()
    expect(patient).to_have_url(re.compile(r"/mijn/$"))
    return patient


def test_a_patient_sees_the_triage_view_and_their_refusal_stops_the_next(
    browser: Browser,
    live_server,
    accounts,  # noqa: F811 - the fixture imported above
):
    gp_secret, nurse_secret = accounts
    gp = signed_in(browser, live_server, "huisarts", gp_secret)
    code = letter_code(gp)

    nurse = signed_in(browser, live_server, "sanne", nurse_secret)
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, CONSENTED)
    answer(nurse, AGREES)
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Jan Visser")

    patient = patient_opens_account(browser, live_server, code)
    expect(patient.get_by_role("heading", level=1)).to_have_text("Uw gegevens in Spoedinzage")
    log = patient.get_by_test_id("access-log")
    view = log.get_by_role("row").filter(has_text="Las de samenvatting van uw huisartsdossier")
    expect(view).to_contain_text("HAP Stad")
    expect(view).to_contain_text("U had toestemming geregistreerd, en bevestigde die")
    assert_accessible(patient)
    screenshot(patient, "patient-home.png")

    # Staff pages stay closed to a patient's account.
    patient.goto(f"{live_server.url}/triage/")
    expect(patient.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    patient.goto(f"{live_server.url}/mijn/")

    patient.get_by_label("Weigering: niemand mag mijn samenvatting inzien").check()
    patient.get_by_label("Huisartsenposten en spoedeisende hulp").check()
    patient.get_by_role("button", name="Volgende: controleren").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("Controleer uw keuze")
    assert_accessible(patient)
    patient.keyboard.press("Enter")  # the confirm button has the focus
    expect(patient.get_by_text("Uw keuze is geregistreerd.")).to_be_visible()
    expect(patient.get_by_test_id("current")).to_contain_text("Weigering")
    assert not Summary.objects.filter(bsn=CONSENTED).exists()

    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, CONSENTED)
    expect(nurse.get_by_role("status")).to_contain_text("weigering geregistreerd")


def test_the_privacy_officer_makes_the_overview_for_a_letter(
    browser: Browser, live_server, tmp_path
):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")
    officer = MembershipFactory(user__username="privacy", organisation=hap, role=Role.SUPERVISOR)
    nurse = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    events.summary_viewed(
        actor=Actor.for_membership(nurse),
        patient_bsn=CONSENTED,
        encounter=uuid.uuid4(),
        reason="",
        consent_basis=ConsentBasis.REGISTERED_CONSENT,
        consent_policy="",
        emergency=False,
    )
    page = signed_in(browser, live_server, "privacy", enrol_totp(officer.user))
    page.keyboard.press("Enter")  # the home page's link to the supervisors' pages
    page.get_by_role("link", name="Overzicht voor een patiënt").click()
    expect(page.get_by_label("BSN van de patiënt")).to_be_focused()
    page.keyboard.type(CONSENTED)
    page.get_by_label("Kenmerk van de brief van de patiënt").fill("Brief 2026-117")
    page.get_by_label("Ik heb gecontroleerd dat de brief van deze patiënt").check()
    assert_accessible(page)
    screenshot(page, "patient-overview-request.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="Pdf maken").click()
    pdf = tmp_path / "overzicht.pdf"
    download.value.save_as(pdf)
    assert re.fullmatch(r"toegangsoverzicht-\d{8}-\d{6}\.pdf", download.value.suggested_filename)
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "Las de samenvatting van uw huisartsdossier" in " ".join(text.split())
    if os.environ.get("UPDATE_SCREENS"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(SCREENS / "patient-overview-pdf"),
            ],
            check=True,
        )
