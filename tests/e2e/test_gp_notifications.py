"""Browser test of notifying the GP (issue 15, item 4): a nurse opens a blank patient's
summary by emergency access, the monitoring scan runs, and the patient's GP finds the
notification — who, when, why — on their pages and marks it read. Checked with axe-core.

The page's texts are compared in the language the GP reads (Dutch) as the portal's own
translations give them, so the test holds before and after their Dutch is merged."""

import os

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, expect

from oversight.monitoring.scan import monitoring_scan
from portal.models import User
from registry.models import GpNotification
from registry.notification_rows import why
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import accounts, signed_in  # noqa: F401 - a fixture
from tests.e2e.test_triage import CANNOT, SCREENS, answer, search
from tests.triage.fixtures import BLANK

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_gp_is_notified_of_an_emergency_access(
    browser: Browser,
    live_server,
    accounts,  # noqa: F811 - the fixture imported above
    corona_opt_in,
):
    gp_secret, nurse_secret = accounts
    nurse = signed_in(browser, live_server, "sanne", nurse_secret)
    nurse.goto(f"{live_server.url}/triage/")
    search(nurse, BLANK)
    nurse.get_by_label("(Vermoeden van) COVID-19").check()
    answer(nurse, CANNOT, reason="unconscious")
    expect(nurse.get_by_text("Noodtoegang: deze inzage wordt beoordeeld.")).to_be_visible()

    result = monitoring_scan(now=timezone.now())  # as the beat job would, every few minutes
    assert result.notified == 1
    (notification,) = GpNotification.objects.all()
    nurse_name = User.objects.get(username="sanne").display_name
    with translation.override("nl"):
        heading = gettext("Notifications")
        reason = why(notification.reason, notification.consent_policy)
        unread = gettext("%(count)s unread") % {"count": 1}
        mark_read = gettext("Mark as read")

    gp = signed_in(browser, live_server, "huisarts", gp_secret)
    gp.keyboard.press("Enter")  # the home page's focused link: the registry
    link = gp.get_by_test_id("notifications-link")
    expect(link).to_contain_text(unread)
    link.get_by_role("link").click()
    expect(gp.get_by_role("heading", level=1)).to_have_text(heading)
    row = gp.locator(f'[data-notification="{notification.pk}"]')
    expect(row).to_contain_text(BLANK)
    expect(row).to_contain_text("HAP Stad")
    expect(row).to_contain_text(nurse_name)
    expect(row).to_contain_text(reason)
    expect(row).to_contain_text("Corona Opt-in")
    assert_accessible(gp)
    if os.environ.get("UPDATE_SCREENS"):
        gp.screenshot(path=SCREENS / "gp-notifications.png", full_page=True)

    row.get_by_role("button", name=mark_read).press("Enter")  # keyboard: mark as read
    expect(gp.locator(f'[data-notification="{notification.pk}"]')).to_have_attribute(
        "data-read", "yes"
    )
    notification.refresh_from_db()
    assert notification.read_at is not None
    # The BSN, a button (a POST: it opens the patient in the session), opens the patient's
    # page from the keyboard, which lists the notification too.
    opens = gp.locator(f'[data-notification="{notification.pk}"]').get_by_role("button", name=BLANK)
    opens.focus()
    expect(opens).to_be_focused()
    opens.press("Enter")
    expect(gp.get_by_test_id("current")).to_be_visible()
    expect(gp.get_by_test_id("notifications")).to_contain_text("HAP Stad")
    assert_accessible(gp)
