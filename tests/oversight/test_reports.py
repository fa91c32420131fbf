"""The organisations' access reports (oversight.reports): the PDF's sections read back from
its pages (pdftoppm, pdftotext), the chain head printed, building and downloading in the
ledger, another organisation's report unknown, the monthly job once a month, the worker
building a report asked for on the page."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, ConsentBasis, EventType, LedgerCheckpoint, MisuseAlert
from oversight.models import AlertReview, Report
from oversight.reports.services import (
    monthly_reports_request,
    report_build,
    report_download,
    report_request,
    report_retry,
)
from oversight.review.services import alert_review
from portal.access import Refusal
from portal.models import Organisation, Role
from tests.audit.helpers import at
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.processes import celery_worker

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OWN_URA, OTHER_URA = "90000101", "90000202"
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
T = dt.datetime(2026, 11, 2, 10, 0, tzinfo=AMSTERDAM)
END = dt.datetime(2026, 12, 1, 0, 0, tzinfo=AMSTERDAM)  # November's end, Dutch time
BSN = "999911120"


def nurse(username: str, ura: str = OWN_URA) -> Actor:
    return Actor(
        username=username,
        name=username.title() + " Jansen",
        portal_role=Role.TRIAGE,
        organisation_ura=ura,
        organisation_name=f"HAP {ura}",
    )


def view(who: Actor, when: dt.datetime, basis=ConsentBasis.REGISTERED_CONSENT):
    """A search and a view, the emergency access asked for in between where `basis` says so."""
    with at(when):
        events.patient_searched(actor=who, patient_bsn=BSN, found="found")
        if basis == ConsentBasis.EMERGENCY_ACCESS:
            events.point_of_care_answered(
                actor=who,
                patient_bsn=BSN,
                event_type=EventType.EMERGENCY_ACCESS,
                encounter=uuid.uuid4(),
                by_representative=False,
                representative="",
                indications=[],
                emergency_reason="unconscious",
                register_lasting=False,
            )
        return events.summary_viewed(
            actor=who,
            patient_bsn=BSN,
            encounter=uuid.uuid4(),
            reason="",
            consent_basis=basis,
            consent_policy="",
            emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
        )


@pytest.fixture
def supervisor():
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura=OWN_URA)
    return MembershipFactory(
        user__username="toezicht",
        user__first_name="Tessa",
        user__last_name="Toezicht",
        organisation=hap,
        role=Role.SUPERVISOR,
    )


def pdf_pages(content: bytes, tmp_path) -> tuple[str, list]:
    """The PDF's text (words joined by single spaces) and its pages as PNG files."""
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    return " ".join(text.split()), sorted(tmp_path.glob("page-*.png"))


def test_a_report_holds_its_sections_and_the_chain_head(supervisor, tmp_path):
    sanne, piet = nurse("sanne"), nurse("piet")
    for day in range(3):
        view(sanne, T + dt.timedelta(days=day))
    view(piet, T, ConsentBasis.EMERGENCY_ACCESS)
    view(nurse("ali", OTHER_URA), T)  # another organisation's
    view(sanne, dt.datetime(2026, 12, 1, 0, 30, tzinfo=AMSTERDAM))  # after the period
    with at(T):
        alert = misuse_alert_raise(
            kind=MisuseAlert.Kind.EMERGENCY_ACCESS, actor=piet, detail={}, now=T
        )
    alert_review(
        membership=supervisor,
        alert_id=alert.pk,
        step=AlertReview.Step.ACKNOWLEDGED,
        justification="Bewusteloze patiënt, noodtoegang terecht volgens de dienstarts.",
        now=T + dt.timedelta(hours=1),
    )
    # A search, its answer and its view share their request's time: the head is the last of
    # them in the chain (by seq), as the report takes it.
    last_of_november = (
        AccessEvent.objects.filter(occurred_at__lt=END).order_by("-occurred_at", "-seq").first()
    )

    report = report_request(membership=supervisor, first=NOVEMBER[0], last=NOVEMBER[1])
    assert report.state == Report.State.QUEUED
    with translation.override("en"):  # what a worker's earlier task may leave: still Dutch
        report = report_build(report.pk)

    assert report.state == Report.State.DONE and report.percent == 100
    text, pages = pdf_pages(bytes(report.pdf), tmp_path)
    assert len(pages) == report.pages >= 6  # the summary, one page per chart, alerts and users
    for section in (
        "Toegangsrapport",
        "HAP Stad",
        "1 november 2026 – 30 november 2026",
        "Zoekopdrachten en inzages per dag",
        "Grondslag toestemming bij inzages van samenvattingen",
        "Noodtoegang per dag",
        "Signaleringen en hun beoordeling",
        "Meest actieve gebruikers",
    ):
        assert section in text, section
    assert last_of_november.hash in text.replace(" ", "")  # the chain head
    assert "Bewusteloze patiënt" in text and "Afgehandeld" in text
    assert "Inzages van samenvattingen 4 Aantal keer noodtoegang 1" in text  # the first page
    assert "1, waarvan 1 beoordeeld" in text
    assert "Sanne Jansen (sanne) 3 3 0" in text and "Piet Jansen (piet) 1 1 1" in text
    assert "Ali" not in text

    if os.environ.get("UPDATE_SCREENS"):  # the sample in docs/screens/, for readers
        pdf = tmp_path / "report.pdf"
        screens = settings.BASE_DIR / "docs" / "screens" / "report"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-l", "3", str(pdf), str(screens)], check=True
        )

    event = AccessEvent.objects.get(event_type=EventType.REPORT_GENERATED)
    assert (event.user_username, event.organisation_ura) == ("toezicht", OWN_URA)
    assert event.detail == {
        "report": report.pk,
        "period": {"from": "2026-11-01", "to": "2026-11-30"},
        "events": report.events,
        "pages": report.pages,
    }
    assert (
        report.events
        == AccessEvent.objects.filter(organisation_ura=OWN_URA, occurred_at__lt=END).count()
    )


def test_the_last_checkpoint_and_its_timestamp_are_printed(supervisor, tmp_path):
    view(nurse("sanne"), T)
    head = AccessEvent.objects.order_by("-seq").first()
    LedgerCheckpoint.objects.create(seq=head.seq, hash=head.hash, timestamp_token=b"token")
    report = report_request(membership=supervisor, first=T.date(), last=timezone.localdate())
    text, _pages = pdf_pages(bytes(report_build(report.pk).pdf), tmp_path)
    assert f"Laatste controlepunt #{head.seq}" in text
    assert "buiten de database van een tijdstempel voorzien" in text


def test_a_download_is_logged_and_another_organisations_report_is_unknown(client, supervisor):
    report = report_build(
        report_request(membership=supervisor, first=NOVEMBER[0], last=NOVEMBER[1]).pk
    )
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    response = client.get(f"/toezicht/rapporten/{report.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('"toegangsrapport-20261101-20261130.pdf"')
    read = AccessEvent.objects.get(event_type=EventType.ADMIN_READ, detail__page="report")
    assert read.user_username == "toezicht" and read.detail["report"] == report.pk

    other_hap = OrganisationFactory(kind=Organisation.Kind.HAP, ura=OTHER_URA)
    other = MembershipFactory(organisation=other_hap, role=Role.SUPERVISOR)
    with pytest.raises(Refusal):
        report_download(membership=other, report_id=report.pk)
    enrol_totp(other.user)
    client.force_login(other.user)
    assert client.get(f"/toezicht/rapporten/{report.pk}/pdf/").status_code == 403
    assert "toegangsrapport" not in client.get("/toezicht/rapporten/").content.decode()
    nurse_member = MembershipFactory(organisation=supervisor.organisation, role=Role.TRIAGE)
    with pytest.raises(PermissionDenied):
        report_request(membership=nurse_member, first=NOVEMBER[0], last=NOVEMBER[1])


def test_a_bad_period_names_its_field_and_asks_for_nothing(client, supervisor):
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    response = client.post("/toezicht/rapporten/", {"van": "2026-11-30", "tot": "2026-11-01"})
    assert response.status_code == 200
    assert not Report.objects.exists()
    response = client.post("/toezicht/rapporten/", {"van": "gisteren", "tot": "2026-11-01"})
    assert "is geen datum" in response.content.decode() and not Report.objects.exists()


def test_the_monthly_job_asks_for_each_organisations_month_once(supervisor):
    OrganisationFactory(kind=Organisation.Kind.SEH, ura=OTHER_URA)
    OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE, ura="90000303")
    OrganisationFactory(kind=Organisation.Kind.HAP, ura="")  # no ledger of its own
    made = monthly_reports_request(today=dt.date(2026, 12, 4))
    again = monthly_reports_request(today=dt.date(2026, 12, 5))
    assert len(made) == 2 and again == []
    assert {(r.first_day, r.last_day) for r in Report.objects.all()} == {NOVEMBER}
    assert monthly_reports_request(today=dt.date(2027, 1, 1))  # December's, a new month


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_report_asked_for_on_the_page(client, supervisor):
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    view(nurse("sanne"), T)
    with celery_worker() as (queue, _):
        from portal.celery import app

        default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue  # .delay() goes to this test's worker
        try:
            response = client.post(
                "/toezicht/rapporten/", {"van": "2026-11-01", "tot": "2026-11-30"}
            )
            assert response.status_code == 302
            page = client.get("/toezicht/rapporten/").content.decode()
            assert '<meta http-equiv="refresh"' in page and "<progress" in page
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if Report.objects.filter(state=Report.State.DONE).exists():
                    break
                time.sleep(0.3)
        finally:
            app.conf.task_default_queue = default_queue
    page = client.get("/toezicht/rapporten/").content.decode()
    assert "Klaar" in page and '<meta http-equiv="refresh"' not in page
    assert AccessEvent.objects.filter(event_type=EventType.REPORT_GENERATED).count() == 1


def test_a_failed_report_is_made_again_on_request(
    client, supervisor, django_capture_on_commit_callbacks
):
    report = report_request(membership=supervisor, first=NOVEMBER[0], last=NOVEMBER[1])
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, error="OperationalError")
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    assert "Opnieuw maken" in client.get("/toezicht/rapporten/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/toezicht/rapporten/{report.pk}/opnieuw/")
    assert response.status_code == 302 and len(callbacks) == 1  # the build enqueued
    report.refresh_from_db()
    assert (report.state, report.error) == (Report.State.QUEUED, "")
    # Only a failed report, and only the organisation's own.
    assert client.post(f"/toezicht/rapporten/{report.pk}/opnieuw/").status_code == 403
    other = MembershipFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.HAP, ura=OTHER_URA),
        role=Role.SUPERVISOR,
    )
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED)
    with pytest.raises(Refusal):
        report_retry(membership=other, report_id=report.pk)
