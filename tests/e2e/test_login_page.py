"""Browser test: Playwright drives Debian's Chromium against a live portal."""

import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import AccessEvent, EventType
from portal.totp import totp_code
from tests.factories import MembershipFactory, enrol_totp

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_page_is_dutch_and_keyboard_first(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()
    expect(page.get_by_text("registreer")).to_have_count(0)  # no self sign-up
    # The page has its styles (the header in the house colour).
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(21, 66, 115)")


def test_staff_member_logs_in_with_password_and_totp_and_sees_their_organisation(
    live_server, page: Page
):
    membership = MembershipFactory(
        user__username="sanne",
        user__first_name="Sanne",
        user__last_name="de Vries",
        organisation__name="Huisartsenpost Utrecht Stad",
    )
    secret = enrol_totp(membership.user)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()  # typing starts there
    page.keyboard.type("sanne")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    code_field = page.locator("input[name=code]")
    expect(code_field).to_be_visible()
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
    code_field.fill(totp_code(secret))
    code_field.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Sanne de Vries")
    expect(page.get_by_text("Huisartsenpost Utrecht Stad")).to_be_visible()
    assert (
        AccessEvent.objects.filter(event_type=EventType.LOGIN, user_username="sanne").count() == 1
    )

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sanne de Vries")


def test_wrong_password_shows_an_error_and_is_logged(live_server, page: Page):
    MembershipFactory(user__username="sanne")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("not-the-password")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    assert AccessEvent.objects.filter(event_type=EventType.LOGIN_FAILED).count() == 1


def test_a_user_without_a_second_factor_is_sent_to_enrolment(live_server, page: Page):
    MembershipFactory(user__username="sanne")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_text("Stel eerst een tweede factor in")).to_be_visible()
    page.goto(f"{live_server.url}/")  # the portal stays closed until then
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))


def test_a_user_of_one_organisation_sees_nothing_of_another(live_server, page: Page):
    mine = MembershipFactory(user__username="sanne", organisation__name="HAP Noord")
    MembershipFactory(user=mine.user, organisation__name="SEH Zuid", organisation__kind="seh")
    theirs = MembershipFactory(organisation__name="HAP Elders")
    secret = enrol_totp(mine.user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Aanmelden").click()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Voor welke organisatie werkt u nu?")
    expect(page.get_by_role("button", name=re.compile("HAP Noord"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("SEH Zuid"))).to_be_visible()
    expect(page.get_by_text("HAP Elders")).to_have_count(0)

    # A forged choice: the other organisation's membership id in the form.
    page.get_by_role("button", name=re.compile("HAP Noord")).evaluate(
        "(button, id) => { button.value = id; }", str(theirs.pk)
    )
    page.get_by_role("button", name=re.compile("HAP Noord")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("HAP Elders")).to_have_count(0)


def test_a_security_key_is_a_second_factor_too(live_server, page: Page, settings):
    """WebAuthn with Chromium's virtual authenticator (a real browser ceremony)."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # http://localhost in tests
    MembershipFactory(user__username="sanne", user__first_name="Sanne", user__last_name="Bos")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    def password_login():
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Gebruikersnaam").fill("sanne")
        page.get_by_label("Wachtwoord").fill("correct horse battery")
        page.get_by_role("button", name="Aanmelden").click()

    password_login()  # no second factor yet: sent to enrolment
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.locator("#mfa_webauthn_add").click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/$"))
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Sanne Bos")

    page.get_by_role("button", name="Afmelden").click()
    password_login()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_role("button", name=re.compile("beveiligingssleutel", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Sanne Bos")
