"""The contacts page in Chromium (issue 15, item 2, "done when"): a good file loads and the
page says what it added; a file with bad rows loads nothing and names each row and column.
By keyboard, checked with axe-core. In English (the language cookie): the Dutch texts are
the translators'."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from oversight.models import ContactRegistration, ContactUpload
from portal.models import Organisation, Role
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_registry import signed_in
from tests.e2e.test_triage import SCREENS
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.oversight.test_reconciliation import (  # noqa: F401 - an autouse fixture
    P1,
    P2,
    P3,
    _fixed_dates_are_not_too_old,
)

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "bsn;contactmoment;locatie"


@pytest.fixture(autouse=True)
def _static_files_by_plain_name(settings):
    """As tests/e2e/conftest.py: the live server serves static files by their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def supervisor_secret(db):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")
    membership = MembershipFactory(
        user__username="toezicht",
        user__first_name="Anne",
        user__last_name="Toezicht",
        organisation=hap,
        role=Role.SUPERVISOR,
    )
    return enrol_totp(membership.user)


def csv(name: str, *rows: str) -> dict:
    text = "\r\n".join((HEADER, *rows)) + "\r\n"
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_a_file_with_bad_rows_loads_nothing_and_names_each_row_and_column(
    browser: Browser, live_server, supervisor_secret
):
    page = signed_in(browser, live_server, "toezicht", supervisor_secret)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/toezicht/contacten/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact registrations")

    # October's file loads: the page says what it added.
    chooser = page.get_by_label("File with contact registrations (CSV)")
    expect(chooser).to_be_focused()
    chooser.set_input_files(
        csv(
            "october.csv",
            f"{P1};30-10-2026 09:30;Huisartsenpost Stad",
            f"{P2};31-10-2026 22:10;Visite",
        )
    )
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Upload")).to_be_focused()
    page.keyboard.press("Enter")
    result = page.get_by_test_id("upload-result")
    expect(result).to_contain_text("The file is loaded.")
    expect(result.locator('[data-field="added"]')).to_have_text("2")
    assert_accessible(page)

    # November's file has three bad rows: nothing of it loads, each is named.
    page.get_by_label("File with contact registrations (CSV)").set_input_files(
        csv(
            "november.csv",
            f"{P1};02-11-2026 09:30;Huisartsenpost Stad",
            f"{P2};2-11-2026 25:10;Huisartsenpost Stad",
            "123456789;02-11-2026 11:05;Huisartsenpost Stad",
            f"{P3};02-11-2026 12:40;",
        )
    )
    page.get_by_role("button", name="Upload").press("Enter")
    errors = page.get_by_test_id("file-errors").locator("li")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("row 3, column contactmoment: Must be a date and time")
    expect(errors.nth(1)).to_have_text("row 4, column bsn: Not a valid BSN: it fails the 11-test.")
    expect(errors.nth(2)).to_have_text("row 5, column locatie: Must not be empty.")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was loaded: the file has 3 errors.")
    expect(page.get_by_test_id("uploads").locator("tbody tr")).to_have_count(1)
    assert ContactRegistration.objects.count() == 2 and ContactUpload.objects.count() == 1
    assert_accessible(page)
    if os.environ.get("UPDATE_SCREENS"):
        page.screenshot(path=SCREENS / "oversight-contacts.png", full_page=True)
