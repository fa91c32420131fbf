"""Browser test of the supervisors' log and charts: real Chromium under the strict
Content-Security-Policy, no violation; the charts' SVG images are drawn; axe-core finds no
WCAG 2.1 AA problem; the older/newer links page through. UPDATE_SCREENS=1 writes
docs/screens/oversight-ledger.png and oversight-charts.png."""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from audit import events
from audit.models import ConsentBasis, EventType, MisuseAlert
from portal.models import Organisation, Role
from portal.totp import totp_code
from tests.audit.helpers import at
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_csp import REPORT_VIOLATIONS
from tests.e2e.test_triage import SCREENS
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.oversight.test_ledger import OWN_URA, actor, view
from tests.oversight.test_monitoring import bsn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _static_files_by_plain_name(settings):
    """As tests/e2e/conftest.py: the live server serves static files by their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def a_month_of_events() -> None:
    """A HAP's month: searches and views by four staff members, a few emergency accesses,
    two alerts."""
    rng = random.Random(15)
    staff = [
        actor("sanne", role=Role.TRIAGE),
        actor("piet", role=Role.DOCTOR),
        actor("fatima", role=Role.TRIAGE),
        actor("joost", role=Role.DOCTOR),
    ]
    now = timezone.localtime()
    for day in range(30, 0, -1):
        for _ in range(rng.randint(2, 7)):
            when = now - dt.timedelta(
                days=day, hours=rng.randint(0, 14), minutes=rng.randint(0, 59)
            )
            who, patient = rng.choice(staff), bsn(rng.randint(1, 400))
            with at(when):
                events.patient_searched(
                    actor=who, patient_bsn=patient, found="patient", encounter=uuid.uuid4()
                )
            if rng.random() < 0.8:
                basis = rng.choices(
                    [
                        ConsentBasis.REGISTERED_CONSENT,
                        ConsentBasis.ON_THE_SPOT_CONSENT,
                        ConsentBasis.EMERGENCY_ACCESS,
                    ],
                    [70, 20, 10],
                )[0]
                if basis == ConsentBasis.EMERGENCY_ACCESS:
                    with at(when + dt.timedelta(minutes=1)):
                        events.point_of_care_answered(
                            actor=who,
                            patient_bsn=patient,
                            event_type=EventType.EMERGENCY_ACCESS,
                            encounter=uuid.uuid4(),
                            by_representative=False,
                            representative="",
                            indications=[],
                            emergency_reason="unconscious",
                            register_lasting=False,
                        )
                view(who, patient, when + dt.timedelta(minutes=2), basis)
    for day, kind in ((4, MisuseAlert.Kind.VIEW_VOLUME), (11, MisuseAlert.Kind.UNUSUAL_HOURS)):
        MisuseAlert.objects.create(
            kind=kind,
            first_seen_at=now - dt.timedelta(days=day),
            last_seen_at=now - dt.timedelta(days=day),
            username="joost",
            user_name="Joost",
            organisation_ura=OWN_URA,
        )


def test_the_log_and_the_charts_in_a_browser(browser: Browser, live_server):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura=OWN_URA)
    membership = MembershipFactory(
        user__username="toezicht",
        user__first_name="Marieke",
        user__last_name="de Boer",
        organisation=hap,
        role=Role.SUPERVISOR,
    )
    secret = enrol_totp(membership.user)
    a_month_of_events()

    refused: list[str] = []
    # A Dutch browser: its date fields show dd-mm-jjjj.
    page = browser.new_page(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("toezicht")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_label("Wachtwoord").press("Enter")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    page.expose_function("cspViolation", lambda report: refused.append(report))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/toezicht/logboek/")
    expect(page.get_by_test_id("ledger").locator("tbody tr")).to_have_count(50)
    assert_accessible(page)
    if os.environ.get("UPDATE_SCREENS"):
        page.screenshot(path=SCREENS / "oversight-ledger.png", full_page=False)
    rows = page.get_by_test_id("ledger").locator("tbody tr")
    first, last = rows.first.get_attribute("data-seq"), rows.last.get_attribute("data-seq")
    page.locator("nav.pager a[rel=next]").click()  # older
    expect(rows.first).not_to_have_attribute("data-seq", first)
    expect(page.locator(f'tr[data-seq="{last}"]')).to_have_count(0)
    page.locator("nav.pager a[rel=prev]").click()  # newer: the newest page, as it is now
    expect(page.locator(f'tr[data-seq="{first}"]')).to_have_count(1)
    expect(page.locator(f'tr[data-seq="{last}"]')).to_have_count(1)

    page.goto(f"{live_server.url}/toezicht/logboek/grafieken/")
    images = page.locator("section.chart img")
    expect(images).to_have_count(5)
    for i in range(5):  # each SVG drawn: a data: image under the page's policy
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    if os.environ.get("UPDATE_SCREENS"):
        page.screenshot(path=SCREENS / "oversight-charts.png", full_page=True)
    # The figures behind a chart, for whoever cannot see it: a table under "the figures".
    page.locator("section.chart details summary").first.click()
    expect(page.locator("section.chart details table").first).to_be_visible()
    assert_accessible(page)
    assert refused == []
