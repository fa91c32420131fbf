"""The GP's notifications (/registratie/meldingen/): who opened one of the practice's
patients' summaries by emergency access or under a policy. Only the practice's own; reading
them and marking them read are logged. The notifications are made as in production: views
written to the ledger (audit.events), then the monitoring scan.

The pages are read in English (the language switch's cookie): these texts' Dutch is merged
into locale/ later."""

from __future__ import annotations

import ast
import datetime as dt
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from audit import events
from audit.actors import Actor
from audit.context import RequestContext, reset_current, set_current
from audit.models import AccessEvent, Action, ConsentBasis, EventType
from oversight.monitoring.scan import monitoring_scan
from portal.access import Refusal
from portal.models import Organisation, Role
from registry.models import GpNotification
from registry.notification_selectors import notifications_page
from registry.notifications import registry_notifications_open, registry_patient_page_open
from summaries.models import Enrolment, GpPractice, Summary
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MORNING = dt.datetime(2026, 11, 2, 10, 5, tzinfo=AMSTERDAM)
NURSE = Actor(
    username="sanne",
    name="Sanne de Vries",
    portal_role="triage",
    organisation_ura="90000101",
    organisation_name="HAP Stad",
)
OPT_IN = "Corona Opt-in"
ELSEWHERE = "999911156"  # a patient of Praktijk Noord


def opened(patient: str, basis: ConsentBasis, when: dt.datetime) -> AccessEvent:
    """A nurse's view of the patient's summary, as the ledger has it."""
    token = set_current(RequestContext(started_at=when))
    try:
        return events.summary_viewed(
            actor=NURSE,
            patient_bsn=patient,
            encounter=uuid.uuid4(),
            reason=str(basis),
            consent_basis=basis,
            consent_policy=OPT_IN,
            emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
        )
    finally:
        reset_current(token)


@pytest.fixture
def noord(patients):
    practice = GpPractice.objects.create(
        agb="01100001", name="Praktijk Noord", fhir_base_url="http://n.example/fhir", token="t"
    )
    Enrolment.objects.create(bsn=ELSEWHERE, practice=practice, since=MORNING)
    return practice


@pytest.fixture
def notified(patients, noord):
    """Three notifications for Praktijk Zuid (the fixtures' practice), one for Noord."""
    views = {
        "emergency": opened(BLANK, ConsentBasis.EMERGENCY_ACCESS, MORNING),
        "under_policy": opened(
            CONSENTED, ConsentBasis.ON_THE_SPOT_CONSENT, MORNING.replace(hour=11)
        ),
        "later": opened(BLANK, ConsentBasis.ON_THE_SPOT_CONSENT, MORNING.replace(hour=12)),
        "elsewhere": opened(ELSEWHERE, ConsentBasis.EMERGENCY_ACCESS, MORNING),
    }
    opened(BLANK, ConsentBasis.REGISTERED_CONSENT, MORNING)  # no notification
    result = monitoring_scan(now=MORNING + dt.timedelta(hours=3))
    assert (result.notified, result.not_placed) == (4, 0)
    return {key: GpNotification.objects.get(event_seq=event.seq) for key, event in views.items()}


def gp_of(client, agb: str, username: str):
    practice = OrganisationFactory(
        kind=Organisation.Kind.GP_PRACTICE, name=f"Praktijk {agb}", agb=agb, ura=""
    )
    membership = MembershipFactory(
        user__username=username,
        user__first_name="Eva",
        user__last_name="Jansen",
        organisation=practice,
        role=Role.GP,
        uzi_role_code="01.015",
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return membership


@pytest.fixture
def gp(client, patients):
    """A GP of Praktijk Zuid (AGB 01100000), reading the pages in English."""
    return gp_of(client, patients.agb, "huisarts")


def rows(html: str) -> list[str]:
    """The table's rows, as data-notification ids in their order."""
    return re.findall(r'data-notification="(\d+)"', html)


def row_of(html: str, notification: GpNotification) -> str:
    """One notification's row of the table."""
    row = html[html.index(f'data-notification="{notification.pk}"') :]
    return row[: row.index("</tr>")]


def ledger(event_type=EventType.REGISTRY_VIEW, **filters) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(event_type=event_type, **filters).order_by("seq"))


def test_the_gp_sees_their_practices_notifications_unread_first_then_newest(client, gp, notified):
    response = client.get("/registratie/meldingen/")
    assert response.status_code == 200
    html = response.content.decode()
    zuid = [notified[key].pk for key in ("later", "under_policy", "emergency")]
    assert rows(html) == [str(pk) for pk in zuid]  # newest first; not Noord's
    assert ELSEWHERE not in html
    assert "3 unread notifications" in html
    emergency = html[html.index(f'data-notification="{notified["emergency"].pk}"') :]
    emergency = emergency[: emergency.index("</tr>")]
    for shown in (
        "2 November 2026 10:05",  # Dutch time
        f'action="/registratie/meldingen/{notified["emergency"].pk}/patient/"',
        f'<button type="submit" class="link-button">{BLANK}</button>',
        "HAP Stad",
        "Sanne de Vries",
        "Triage",
        "Emergency access: the patient could not give consent (under the policy Corona Opt-in)",
        "Mark as read",
    ):
        assert shown in emergency
    assert (
        "No choice registered; opened under the policy Corona Opt-in, with the patient&#x27;s "
        "consent on the spot" in html
    )
    # Read ones go below the unread, newest first among them.
    client.post(f"/registratie/meldingen/{notified['later'].pk}/gelezen/")
    html = client.get("/registratie/meldingen/").content.decode()
    assert rows(html)[-1] == str(notified["later"].pk)
    assert "2 unread notifications" in html


def test_reading_the_list_is_logged_once_per_patient_shown(client, gp, notified):
    before = AccessEvent.objects.count()
    client.get("/registratie/meldingen/")
    read = ledger(seq__gt=before)
    assert AccessEvent.objects.count() == before + 2
    assert {  # each patient once, their notifications in the order shown
        (e.patient_bsn, tuple(e.detail["notifications"]), e.action, e.user_username) for e in read
    } == {
        (BLANK, (notified["later"].event_seq, notified["emergency"].event_seq), "R", "huisarts"),
        (CONSENTED, (notified["under_policy"].event_seq,), "R", "huisarts"),
    }
    assert all(e.detail["page"] == "notifications" for e in read)
    assert {e.organisation_name for e in read} == {"Praktijk 01100000"}


def test_mark_as_read_records_who_and_when_and_is_logged(client, gp, notified):
    notification = notified["emergency"]
    response = client.post(f"/registratie/meldingen/{notification.pk}/gelezen/")
    assert response.status_code == 302 and response["Location"] == "/registratie/meldingen/"
    notification.refresh_from_db()
    assert notification.read_by == "Eva Jansen" and notification.read_at is not None
    (marked,) = ledger(action=Action.UPDATE)
    assert (marked.patient_bsn, marked.detail, marked.user_username) == (
        BLANK,
        {"page": "notifications", "marked_read": notification.event_seq},
        "huisarts",
    )
    html = client.get("/registratie/meldingen/").content.decode()
    assert "The notification is marked as read." in html
    assert "by Eva Jansen" in html
    # Marking it again changes nothing and logs nothing.
    first_read = notification.read_at
    client.post(f"/registratie/meldingen/{notification.pk}/gelezen/")
    notification.refresh_from_db()
    assert notification.read_at == first_read
    assert len(ledger(action=Action.UPDATE)) == 1


def test_marking_read_takes_a_post(client, gp, notified):
    response = client.get(f"/registratie/meldingen/{notified['emergency'].pk}/gelezen/")
    assert response.status_code == 405
    notified["emergency"].refresh_from_db()
    assert notified["emergency"].read_at is None


def test_another_practices_notification_is_not_found_and_logged(client, gp, notified):
    theirs = notified["elsewhere"]
    for response in (
        client.post(f"/registratie/meldingen/{theirs.pk}/gelezen/"),
        client.post(f"/registratie/meldingen/{theirs.pk}/patient/"),
    ):
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    denied = ledger(EventType.ACCESS_DENIED)
    assert [(e.patient_bsn, e.user_username) for e in denied] == [
        (ELSEWHERE, "huisarts"),
        (ELSEWHERE, "huisarts"),
    ]
    assert f"notification {theirs.pk} is not of the user's practice" in denied[0].detail["reason"]
    assert not ledger(action=Action.UPDATE)
    # A number that is nobody's: not found either, logged without a patient.
    assert client.post("/registratie/meldingen/999999/gelezen/").status_code == 404
    assert ledger(EventType.ACCESS_DENIED)[-1].patient_bsn == ""


def test_opening_a_notifications_patient_takes_a_post(client, gp, notified):
    """A GET changes nothing and logs nothing: a link on another site (SameSite=Lax cookies
    go with a top-level navigation) can neither open a patient in the GP's session nor make
    the GP look like a prober of another practice's patients."""
    before = AccessEvent.objects.count()
    for notification in (notified["elsewhere"], notified["emergency"]):
        response = client.get(f"/registratie/meldingen/{notification.pk}/patient/")
        assert response.status_code == 405
    assert AccessEvent.objects.count() == before
    assert "registry_patient" not in client.session
    assert client.get("/registratie/patient/")["Location"] == "/registratie/"


def test_opening_a_notifications_patient_needs_the_csrf_token(patients, notified):
    browser = Client(enforce_csrf_checks=True)
    gp_of(browser, patients.agb, "huisarts")
    before = AccessEvent.objects.count()
    for notification in (notified["elsewhere"], notified["emergency"]):
        response = browser.post(f"/registratie/meldingen/{notification.pk}/patient/")
        assert response.status_code == 403
    assert AccessEvent.objects.count() == before
    assert "registry_patient" not in browser.session
    # From the GP's own list, with its token, it opens.
    html = browser.get("/registratie/meldingen/").content.decode()
    form = row_of(html, notified["emergency"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    response = browser.post(
        f"/registratie/meldingen/{notified['emergency'].pk}/patient/",
        {"csrfmiddlewaretoken": token},
    )
    assert response["Location"] == "/registratie/patient/"


def test_a_patient_who_moved_on_is_listed_without_the_new_practices_name(
    client, gp, notified, noord
):
    summary = Summary.objects.get(bsn=BLANK)
    name = summary.sections["patient"]["name"]
    assert name in row_of(client.get("/registratie/meldingen/").content.decode(), notified["later"])
    # The patient moves to Noord, whose pull replaces their summary (one per BSN).
    summary.practice = noord
    summary.sections["patient"]["name"] = "Jan Visser-Noord"
    summary.save()
    html = client.get("/registratie/meldingen/").content.decode()
    assert len(rows(html)) == 3  # still listed: the notifications are Zuid's
    for notification in (notified["later"], notified["emergency"]):
        shown = row_of(html, notification)
        assert BLANK in shown
        assert "Jan Visser-Noord" not in shown and name not in shown
    assert name in row_of(html, notified["under_policy"])  # still Zuid's own summary


def test_the_patient_pages_notifications_are_the_gps_own_practices(client, gp, notified, noord):
    noorderling = gp_of(client, noord.agb, "noorderling")
    page = registry_patient_page_open(membership=noorderling, bsn=ELSEWHERE, birth_date=BIRTH)
    assert [row.id for row in page.notifications] == [notified["elsewhere"].pk]
    page = registry_patient_page_open(membership=gp, bsn=BLANK, birth_date=BIRTH)
    assert [row.id for row in page.notifications] == [
        notified["later"].pk,
        notified["emergency"].pk,
    ]
    # Another practice's patient: refused as an unknown one, their notifications unread.
    with pytest.raises(Refusal):
        registry_patient_page_open(membership=noorderling, bsn=BLANK, birth_date=BIRTH)
    # The practice is the GP's, from their membership: a caller cannot name another.
    with pytest.raises(TypeError):
        registry_patient_page_open(
            membership=noorderling, practice=noord, bsn=BLANK, birth_date=BIRTH
        )
    assert [e.user_username for e in ledger(detail__page="notifications")] == [
        "noorderling",
        "huisarts",
    ]


def test_the_notification_selectors_read_and_log_nothing(gp, notified):
    before = AccessEvent.objects.count()
    page = notifications_page(membership=gp, number=1)
    assert len(page.rows) == 3 and page.unread == 3
    assert AccessEvent.objects.count() == before
    # The service shows the same and logs it.
    assert registry_notifications_open(membership=gp, number=1).rows == page.rows
    assert AccessEvent.objects.count() == before + 2


def test_the_registry_modules_import_no_private_names():
    """A rule (like the GP check, registry.services.gp_actor) that another module needs is
    public; a private name imported elsewhere is a rule used behind its module's back."""
    root = Path(settings.BASE_DIR) / "registry"
    private = [
        f"{path.relative_to(root.parent)}: {node.module}.{alias.name}"
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


def test_the_gp_of_the_other_practice_sees_only_theirs(client, notified, noord):
    gp_of(client, noord.agb, "noorderling")
    html = client.get("/registratie/meldingen/").content.decode()
    assert rows(html) == [str(notified["elsewhere"].pk)]
    assert BLANK not in html and CONSENTED not in html


def test_the_notification_opens_the_patients_page_with_their_notifications(client, gp, notified):
    response = client.post(f"/registratie/meldingen/{notified['emergency'].pk}/patient/")
    assert response.status_code == 302 and response["Location"] == "/registratie/patient/"
    html = client.get("/registratie/patient/").content.decode()
    assert BLANK in html and BIRTH.strftime("%d-%m-%Y") in html
    assert "Notifications about this patient" in html
    block = html[html.index('data-testid="notifications"') :]
    assert rows(block) == [str(notified["later"].pk), str(notified["emergency"].pk)]
    assert 'name="next" value="patient"' in block
    # Its reading is logged besides the page's own event.
    (read,) = ledger(detail__page="notifications")
    assert read.patient_bsn == BLANK
    assert ledger(detail__consultations_shown__gte=0)[-1].patient_bsn == BLANK
    # Marked read from the patient's page, the GP comes back to it.
    response = client.post(
        f"/registratie/meldingen/{notified['later'].pk}/gelezen/", {"next": "patient"}
    )
    assert response["Location"] == "/registratie/patient/"


def test_a_patient_without_notifications_says_so(client, gp, notified):
    from tests.registry.test_pages import find

    find(client, "999911144")  # the fixtures' third patient, never opened
    html = client.get("/registratie/patient/").content.decode()
    assert "No notifications: nobody opened this patient" in html


def test_a_patient_whose_birth_date_is_not_held_is_searched_with_the_bsn_filled_in(
    client, gp, notified, patients
):
    Enrolment.objects.create(bsn="999911168", practice=patients, since=MORNING)
    opened("999911168", ConsentBasis.EMERGENCY_ACCESS, MORNING)
    monitoring_scan(now=MORNING + dt.timedelta(hours=4))
    notification = GpNotification.objects.get(patient_bsn="999911168")
    response = client.post(f"/registratie/meldingen/{notification.pk}/patient/")
    assert response["Location"] == "/registratie/"
    html = client.get("/registratie/").content.decode()
    assert re.search(r'name="bsn" value="999911168"', html)
    assert re.search(r'type="date" name="birth_date"[^>]* autofocus', html)
    # Once only: the next search starts empty.
    assert "999911168" not in client.get("/registratie/").content.decode()


def test_the_search_page_counts_the_unread_notifications(client, gp, notified):
    html = client.get("/registratie/").content.decode()
    assert re.search(r'href="/registratie/meldingen/">Notifications</a> <strong>\(3 unread\)', html)
    GpNotification.objects.filter(patient_bsn=BLANK).update(read_at=MORNING, read_by="x")
    html = client.get("/registratie/").content.decode()
    assert "(1 unread)" in html


def test_a_nurse_cannot_read_the_notifications(client, nurse, notified):
    assert client.get("/registratie/meldingen/").status_code == 403
    assert not ledger(detail__page="notifications")
