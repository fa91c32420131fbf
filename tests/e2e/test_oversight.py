"""Browser test of the supervisors' alert pages (issue 15, item 3, "done when"): a nurse's
emergency access at HAP A, found by the monitoring scan, is seen by A's supervisor and
acknowledged with a justification by keyboard; the ledger holds the review. B's supervisor
sees nothing of it. Each page checked with axe-core. In English (the language cookie): the
Dutch texts are the translators'."""

import os

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from audit.models import AccessEvent, EventType, MisuseAlert
from oversight.monitoring.scan import monitoring_scan
from portal.models import Organisation, Role
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import signed_in
from tests.e2e.test_triage import CANNOT, SCREENS, answer, search
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BLANK

pytestmark = pytest.mark.django_db(transaction=True)

JUSTIFICATION = "Phoned the post: the patient came in unconscious, treated by the nurse."


@pytest.fixture
def accounts(patients):
    hap_a = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    hap_b = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Dorp")
    nurse = MembershipFactory(
        user__username="sanne",
        user__first_name="Sanne",
        user__last_name="Smit",
        organisation=hap_a,
        role=Role.TRIAGE,
    )
    supervisors = [
        MembershipFactory(
            user__username=username,
            user__first_name=first_name,
            user__last_name="Toezicht",
            organisation=hap,
            role=Role.SUPERVISOR,
            uzi_role_code="00.000",
        )
        for username, first_name, hap in (
            ("toezicht-a", "Anne", hap_a),
            ("toezicht-b", "Bert", hap_b),
        )
    ]
    return [enrol_totp(m.user) for m in (nurse, *supervisors)]


def in_english(page: Page, live_server) -> Page:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.reload()
    return page


def test_a_supervisor_acknowledges_an_emergency_access_of_their_own_hap_only(
    browser: Browser, live_server, accounts, corona_opt_in
):
    nurse_secret, a_secret, b_secret = accounts
    nurse = signed_in(browser, live_server, "sanne", nurse_secret)
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, BLANK)
    nurse.get_by_label("(Vermoeden van) COVID-19").check()
    answer(nurse, CANNOT, reason="unconscious")
    expect(nurse.get_by_text("Noodtoegang: deze inzage wordt beoordeeld.")).to_be_visible()
    monitoring_scan(now=timezone.now())
    alert = MisuseAlert.objects.get(kind=MisuseAlert.Kind.EMERGENCY_ACCESS)

    # A's supervisor: start page → alerts → the alert, each link waiting focused.
    supervisor = in_english(signed_in(browser, live_server, "toezicht-a", a_secret), live_server)
    expect(supervisor.get_by_role("link", name="Read the organisation")).to_be_focused()
    supervisor.keyboard.press("Enter")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Alerts")
    rows = supervisor.get_by_test_id("alerts").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Emergency access")
    expect(rows.first).to_contain_text("Sanne Smit")
    expect(rows.first.locator("[data-state]")).to_have_text("Open")
    assert_accessible(supervisor)
    if os.environ.get("UPDATE_SCREENS"):
        supervisor.screenshot(path=SCREENS / "oversight-alerts.png", full_page=True)
    expect(supervisor.get_by_role("link", name="Emergency access")).to_be_focused()
    supervisor.keyboard.press("Enter")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Emergency access")
    expect(supervisor.get_by_test_id("explanation")).to_contain_text("Every emergency access")
    expect(supervisor.get_by_test_id("facts")).to_contain_text("Unconscious or not responsive")
    events = supervisor.get_by_test_id("events")
    expect(events).to_contain_text(BLANK)
    expect(events).to_contain_text("Emergency access under a policy")
    expect(events).to_contain_text("Corona Opt-in")
    assert_accessible(supervisor)

    # By keyboard: the justification has the focus, Tab reaches "Acknowledge".
    justification = supervisor.get_by_label("Justification")
    expect(justification).to_be_focused()
    supervisor.keyboard.type(JUSTIFICATION)
    if os.environ.get("UPDATE_SCREENS"):
        supervisor.screenshot(path=SCREENS / "oversight-alert.png", full_page=True)
    supervisor.keyboard.press("Tab")
    expect(supervisor.get_by_role("button", name="Acknowledge")).to_be_focused()
    supervisor.keyboard.press("Enter")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Acknowledge the alert?")
    expect(supervisor.get_by_role("status")).to_contain_text(
        "The alert is closed; a new hit opens a new alert."
    )
    assert_accessible(supervisor)
    expect(supervisor.get_by_role("button", name="Acknowledge")).to_be_focused()
    supervisor.keyboard.press("Enter")
    expect(
        supervisor.get_by_text("The alert is closed. A new hit opens a new alert.")
    ).to_be_visible()
    expect(supervisor.get_by_test_id("alerts").locator("[data-state]")).to_have_text("Closed")

    reviewed = AccessEvent.objects.get(event_type=EventType.ALERT_REVIEWED)
    assert (reviewed.user_username, reviewed.organisation_name) == ("toezicht-a", "HAP Stad")
    assert reviewed.detail["justification"] == JUSTIFICATION
    assert (reviewed.detail["alert"], reviewed.detail["step"]) == (alert.pk, "acknowledged")
    alert.refresh_from_db()
    assert alert.reviewed

    # B's supervisor: no alert in the list, and A's alert is not found.
    other = in_english(signed_in(browser, live_server, "toezicht-b", b_secret), live_server)
    other.goto(f"{live_server.url}/toezicht/")
    expect(other.get_by_test_id("none")).to_have_text("There are no alerts for your organisation.")
    response = other.goto(f"{live_server.url}/toezicht/meldingen/{alert.pk}/")
    assert response.status == 404
    expect(other.get_by_text("Sanne Smit")).to_have_count(0)
