"""Browser test of the supervisors' reports page: reached from their navigation, a finished
report listed with its pages and downloaded; checked with axe-core."""

import datetime as dt
import os

import pytest
from playwright.sync_api import Browser, expect

from oversight.reports.services import report_build, report_request
from portal.models import Organisation, Role
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import signed_in
from tests.e2e.test_triage import SCREENS
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supervisor_downloads_a_finished_report(browser: Browser, live_server, tmp_path):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")
    supervisor = MembershipFactory(
        user__username="toezicht", organisation=hap, role=Role.SUPERVISOR
    )
    report = report_request(
        membership=supervisor, first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30)
    )
    report = report_build(report.pk)
    page = signed_in(browser, live_server, "toezicht", enrol_totp(supervisor.user))
    page.keyboard.press("Enter")  # the home page's link to the supervisors' pages
    page.get_by_role("link", name="Rapporten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapporten")
    rows = page.get_by_test_id("reports")
    expect(rows).to_contain_text("1 november 2026 – 30 november 2026")
    expect(rows).to_contain_text("Klaar")
    assert_accessible(page)
    if os.environ.get("UPDATE_SCREENS"):
        page.screenshot(path=SCREENS / "reports.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Pdf, {report.pages} pagina's").click()
    assert download.value.suggested_filename == "toegangsrapport-20261101-20261130.pdf"
