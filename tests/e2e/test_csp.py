"""Browser test: the pages run under the strict Content-Security-Policy without a violation."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from portal.models import Organisation, Role
from portal.totp import totp_code
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BIRTH, CONSENTED

pytestmark = pytest.mark.django_db(transaction=True)

# Runs before any script of the page; Playwright's own scripts are not under the page's CSP.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const report = `${event.effectiveDirective} refused ${event.blockedURI}`;
  window.cspViolation(`${report} on ${location.pathname}`);
});
"""


@pytest.fixture
def refused(page: Page) -> list[str]:
    """What the page refused: violation events, CSP messages on the console, and every
    document that arrived without the policy (where nothing could be refused)."""
    refused: list[str] = []
    page.expose_function("cspViolation", lambda report: refused.append(report))
    page.add_init_script(REPORT_VIOLATIONS)

    def check_console(message):
        if "Content Security Policy" in message.text:
            refused.append(f"console: {message.text}")

    page.on("console", check_console)

    def check_document(response):
        if response.request.resource_type == "document" and response.status < 300:
            policy = response.headers.get("content-security-policy", "")
            if "default-src 'self'" not in policy:
                refused.append(f"no policy on {response.url}")

    page.on("response", check_document)
    return refused


def test_login_totp_enrolment_and_triage_pages_have_no_csp_violation(
    live_server, page: Page, refused: list[str], patients
):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    nurse = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE).user
    MembershipFactory(user__username="bram", organisation=hap, role=Role.TRIAGE)

    # A first login: the enrolment page shows the TOTP QR code, a data: image.
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(21, 66, 115)")
    page.get_by_label("Gebruikersnaam").fill("bram")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    page.context.clear_cookies()

    # A nurse with a second factor: search, consent, the summary.
    secret = enrol_totp(nurse)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("sanne")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    page.goto(f"{live_server.url}/triage/")
    page.get_by_label("BSN").fill(CONSENTED)
    page.get_by_label("Geboortedatum").fill(BIRTH.isoformat())
    page.get_by_label("Geboortedatum").press("Enter")
    page.get_by_label("De patiënt geeft toestemming").check()
    page.get_by_role("button", name="Vastleggen en verder").click()
    page.get_by_role("button", name="Vastleggen en samenvatting tonen").click()  # the review
    expect(page.get_by_role("heading", level=1)).to_have_text("Jan Visser")
    expect(page.locator("tr.out-of-range td").first).to_have_css("color", "rgb(176, 0, 32)")
    assert refused == []

    # The policy is enforced, and the listener hears it: an inline style attribute is refused.
    page.evaluate("document.body.setAttribute('style', 'background: red')")
    expect(page.locator("body")).not_to_have_css("background-color", "rgb(255, 0, 0)")
    path = urlparse(page.url).path
    expected = f"style-src-attr refused inline on {path}"
    for _ in range(40):
        if expected in refused:
            break
        page.wait_for_timeout(50)
    assert [line for line in refused if not line.startswith("console: ")] == [expected]
    assert any("style" in line for line in refused if line.startswith("console: "))
