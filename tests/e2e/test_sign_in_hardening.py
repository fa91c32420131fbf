"""Browser tests of the ways in, as an attacker or a curious colleague would try them."""

import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import AccessEvent, EventType
from portal.models import Role
from portal.totp import totp_code
from tests.factories import MembershipFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def sign_in(page: Page, url: str, username: str, code: str | None = None) -> None:
    page.goto(url)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    if code is not None:
        page.locator("input[name=code]").fill(code)
        page.locator("input[name=code]").press("Enter")


def test_a_signed_in_supervisor_cannot_use_the_admin_login_to_become_the_superuser(
    live_server, page: Page
):
    UserFactory(username="beheer", is_staff=True, is_superuser=True)
    supervisor = MembershipFactory(
        user__username="pieter", role=Role.SUPERVISOR, uzi_role_code="00.000"
    )
    secret = enrol_totp(supervisor.user)
    sign_in(page, f"{live_server.url}/accounts/login/", "pieter", totp_code(secret))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    # No admin login form to type the superuser's password into: a refusal.
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN, user_username="beheer")


def test_the_admin_is_reached_through_the_portal_login_and_its_second_factor(
    live_server, page: Page
):
    admin = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    secret = enrol_totp(admin.user)
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    sign_in(page, page.url, "beheer")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("input[name=code]")).to_be_focused()  # keyboard first
    page.keyboard.type(totp_code(secret))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    login = AccessEvent.objects.get(event_type=EventType.LOGIN)
    assert login.user_username == "beheer"


def test_guessing_second_factor_codes_locks_the_account(live_server, page: Page, settings):
    nurse = MembershipFactory(user__username="sanne")
    secret = enrol_totp(nurse.user)
    sign_in(page, f"{live_server.url}/accounts/login/", "sanne")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.locator("input[name=code]").fill("000000")
        page.locator("input[name=code]").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account tijdelijk geblokkeerd")
    # The right code now changes nothing; nor does starting again with the password.
    page.goto(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account tijdelijk geblokkeerd")
    assert not AccessEvent.objects.filter(event_type=EventType.LOGIN).exists()
