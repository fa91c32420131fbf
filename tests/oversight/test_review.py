"""The supervisors' alert pages (oversight.review): only their own organisation's alerts,
each read logged, a review step (acknowledge closes, escalate keeps open) written with its
ledger event in one transaction, after a confirmation. In English (the language cookie):
the Dutch texts are the translators'."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone, translation

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, Action, EventType, MisuseAlert, Purpose
from oversight.models import AlertReview
from oversight.review.selectors import alert_facts
from oversight.review.services import (
    JUSTIFICATION_MAX,
    AlertClosed,
    ReviewRefused,
    alert_list_open,
    alert_open,
    alert_review,
    alert_review_check,
)
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.triage.fixtures import BLANK, CONSENTED, REFUSED

pytestmark = pytest.mark.django_db

Kind = MisuseAlert.Kind
JUSTIFICATION = "Checked with the nurse: the patient was unconscious at the post."


@pytest.fixture
def hap_a():
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")


@pytest.fixture
def hap_b():
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Dorp")


@pytest.fixture
def nurse_a(hap_a):
    return MembershipFactory(
        user__username="sanne", user__first_name="Sanne", user__last_name="Smit", organisation=hap_a
    )


@pytest.fixture
def nurse_b(hap_b):
    return MembershipFactory(
        user__username="piet", user__first_name="Piet", user__last_name="Bakker", organisation=hap_b
    )


def signed_in(client, membership):
    enrol_totp(membership.user)
    client.force_login(membership.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return membership


@pytest.fixture
def supervisor(client, hap_a):
    membership = MembershipFactory(
        user__username="toezicht",
        user__first_name="Tineke",
        user__last_name="Toezicht",
        organisation=hap_a,
        role=Role.SUPERVISOR,
        uzi_role_code="00.000",
    )
    return signed_in(client, membership)


@pytest.fixture
def colleague(hap_a):
    """A second supervisor of the same HAP."""
    return MembershipFactory(
        user__username="collega",
        user__first_name="Karel",
        user__last_name="Collega",
        organisation=hap_a,
        role=Role.SUPERVISOR,
        uzi_role_code="00.000",
    )


def emergency_alert(membership, bsn: str = BLANK) -> MisuseAlert:
    """An emergency access at the membership's organisation, and its alert with the event
    behind it, as the monitoring scan raises it."""
    actor = Actor.for_membership(membership)
    event = events.point_of_care_answered(
        actor=actor,
        patient_bsn=bsn,
        event_type=EventType.EMERGENCY_ACCESS,
        encounter=uuid.uuid4(),
        by_representative=False,
        representative="",
        indications=["suspected_covid"],
        emergency_reason="unconscious",
        register_lasting=False,
    )
    return misuse_alert_raise(
        kind=Kind.EMERGENCY_ACCESS,
        actor=actor,
        detail={
            "emergency_accesses": 1,
            "refused": 0,
            "views": 0,
            "reasons": ["unconscious"],
            "patients": [bsn],
        },
        now=timezone.now(),
        event_ids=[event.pk],
    )


def listed(response) -> list[tuple[int, str]]:
    """(alert id, state) per row of the list, in order."""
    assert response.status_code == 200
    return [
        (int(pk), state)
        for pk, state in re.findall(
            r'data-alert="(\d+)".*?data-state="(\w+)"', response.content.decode(), re.S
        )
    ]


def url(alert: MisuseAlert) -> str:
    return f"/toezicht/meldingen/{alert.pk}/"


def review(client, alert, step="acknowledged", justification=JUSTIFICATION, **extra):
    return client.post(url(alert), {"step": step, "justification": justification, **extra})


def reviewed_events():
    return AccessEvent.objects.filter(event_type=EventType.ALERT_REVIEWED)


def reads():
    return AccessEvent.objects.filter(event_type=EventType.ADMIN_READ).order_by("seq")


# --- The list -----------------------------------------------------------------------------------


def test_alert_list_shows_only_the_own_organisations_alerts(client, supervisor, nurse_a, nurse_b):
    own = emergency_alert(nurse_a)
    theirs = emergency_alert(nurse_b)
    response = client.get("/toezicht/")
    assert listed(response) == [(own.pk, "open")]
    page = response.content.decode()
    assert "Sanne Smit" in page and "Emergency access" in page
    assert "piet" not in page and f"/toezicht/meldingen/{theirs.pk}/" not in page


def test_alert_list_puts_open_alerts_first_and_filters(client, supervisor, nurse_a):
    closed = emergency_alert(nurse_a)
    alert_review(
        membership=supervisor,
        alert_id=closed.pk,
        step=AlertReview.Step.ACKNOWLEDGED,
        justification=JUSTIFICATION,
        now=timezone.now(),
    )
    actor = Actor.for_membership(nurse_a)
    volume = misuse_alert_raise(
        kind=Kind.SEARCH_VOLUME, actor=actor, detail={"limit": 30}, now=timezone.now()
    )
    assert listed(client.get("/toezicht/")) == [(volume.pk, "open"), (closed.pk, "closed")]
    assert listed(client.get("/toezicht/?status=closed")) == [(closed.pk, "closed")]
    assert listed(client.get("/toezicht/?soort=search_volume")) == [(volume.pk, "open")]
    assert listed(client.get("/toezicht/?gebruiker=sanne&status=open")) == [(volume.pk, "open")]
    assert listed(client.get("/toezicht/?gebruiker=nobody")) == []
    chosen = client.get("/toezicht/?gebruiker=sanne").content.decode()
    assert '<option value="sanne" selected>Sanne Smit (sanne)</option>' in chosen
    # A value that is no choice filters nothing (the URL is typed, not chosen).
    assert len(listed(client.get("/toezicht/?status=bogus"))) == 2


def test_alert_list_pages_by_fifty(client, supervisor):
    for n in range(51):
        misuse_alert_raise(
            kind=Kind.SEARCH_VOLUME,
            actor=Actor(
                username=f"user{n}", name=f"User {n}", organisation_ura=supervisor.organisation.ura
            ),
            detail={"limit": 30},
            now=timezone.now(),
        )
    first = client.get("/toezicht/?soort=search_volume")
    assert len(listed(first)) == 50 and "51 alerts" in first.content.decode()
    assert 'href="?soort=search_volume&amp;pagina=2" rel="next"' in first.content.decode()
    assert len(listed(client.get("/toezicht/?soort=search_volume&pagina=2"))) == 1
    assert reads().last().detail == {
        "page": "alerts",
        "shown": 1,
        "filters": {"kind": "search_volume", "page": "2"},
    }


# --- Another organisation's alert -----------------------------------------------------------------


def test_another_organisations_alert_is_not_found_and_the_refusal_logged(
    client, supervisor, nurse_b
):
    theirs = emergency_alert(nurse_b)
    response = client.get(url(theirs))
    assert response.status_code == 404
    assert "piet" not in response.content.decode() and BLANK not in response.content.decode()
    denied = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert (denied.user_username, denied.organisation_ura) == (
        "toezicht",
        supervisor.organisation.ura,
    )
    assert denied.detail["path"] == url(theirs)
    assert not reads().filter(detail__alert=theirs.pk).exists()
    # Nor can it be reviewed: not found, nothing written.
    for extra in ({}, {"confirm": "1"}):
        assert review(client, theirs, **extra).status_code == 404
    assert AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 3
    assert not AlertReview.objects.exists() and not reviewed_events().exists()
    theirs.refresh_from_db()
    assert not theirs.reviewed


def test_an_unknown_alert_looks_the_same_as_another_organisations(client, supervisor, nurse_b):
    theirs = emergency_alert(nurse_b)
    unknown = client.get(f"/toezicht/meldingen/{theirs.pk + 1000}/")
    assert unknown.status_code == client.get(url(theirs)).status_code == 404


# --- Acknowledging and escalating ---------------------------------------------------------------


def test_acknowledging_after_the_confirmation_writes_the_review_and_its_event(
    client, supervisor, nurse_a
):
    alert = emergency_alert(nurse_a)
    confirmation = review(client, alert)
    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "The alert is closed; a new hit opens a new alert." in page
    assert JUSTIFICATION in page
    assert not AlertReview.objects.exists() and not reviewed_events().exists()  # not yet

    done = review(client, alert, confirm="1")
    assert done.status_code == 302 and done["Location"] == "/toezicht/"
    event = reviewed_events().get()
    assert (event.event_type, event.action, event.purpose_of_use) == (
        EventType.ALERT_REVIEWED,
        Action.UPDATE,
        Purpose.OPERATIONS,
    )
    assert (event.user_username, event.organisation_ura) == (
        "toezicht",
        supervisor.organisation.ura,
    )
    assert event.detail == {
        "alert": alert.pk,
        "kind": "emergency_access",
        "step": "acknowledged",
        "justification": JUSTIFICATION,
        "user_under_review": "sanne",
    }
    row = AlertReview.objects.get()
    assert (
        row.alert_id,
        row.step,
        row.justification,
        row.reviewer_username,
        row.reviewer_name,
        row.organisation_ura,
        row.event_seq,
    ) == (
        alert.pk,
        AlertReview.Step.ACKNOWLEDGED,
        JUSTIFICATION,
        "toezicht",
        "Tineke Toezicht",
        supervisor.organisation.ura,
        event.seq,
    )
    alert.refresh_from_db()
    assert alert.reviewed
    after = client.get("/toezicht/")
    assert "The alert is closed. A new hit opens a new alert." in after.content.decode()
    assert listed(after) == [(alert.pk, "closed")]
    # Its page shows the history and no form.
    page = client.get(url(alert)).content.decode()
    assert JUSTIFICATION in page and "Tineke Toezicht" in page and "Acknowledged" in page
    assert 'name="justification"' not in page


def test_a_hit_after_acknowledging_opens_a_new_alert(client, supervisor, nurse_a):
    first = emergency_alert(nurse_a)
    review(client, first, confirm="1")
    second = emergency_alert(nurse_a, bsn=CONSENTED)
    assert second.pk != first.pk and not second.reviewed
    assert list(second.events().values_list("patient_bsn", flat=True)) == [CONSENTED]
    assert listed(client.get("/toezicht/")) == [(second.pk, "open"), (first.pk, "closed")]


def test_escalating_keeps_the_alert_open_until_it_is_acknowledged(
    client, supervisor, colleague, nurse_a
):
    alert = emergency_alert(nurse_a)
    confirmation = review(client, alert, step="escalated").content.decode()
    assert "The alert stays open for a second review." in confirmation
    assert review(client, alert, step="escalated", confirm="1").status_code == 302
    alert.refresh_from_db()
    assert not alert.reviewed
    assert listed(client.get("/toezicht/")) == [(alert.pk, "escalated")]
    assert listed(client.get("/toezicht/?status=escalated")) == [(alert.pk, "escalated")]
    assert listed(client.get("/toezicht/?status=open")) == []
    page = client.get(url(alert)).content.decode()
    assert 'data-state="escalated"' in page
    # The second look, by a colleague (their page offers the form): acknowledging closes it.
    second = Client()
    signed_in(second, colleague)
    assert 'name="justification"' in second.get(url(alert)).content.decode()
    review(second, alert, justification="Second look: in care, as the nurse said.", confirm="1")
    alert.refresh_from_db()
    assert alert.reviewed
    assert list(AlertReview.objects.values_list("step", flat=True)) == ["escalated", "acknowledged"]
    assert list(reviewed_events().values_list("detail__step", flat=True)) == [
        "escalated",
        "acknowledged",
    ]


@pytest.mark.parametrize(
    ("justification", "error"),
    [
        ("", "Fill in “Justification”"),
        ("   ", "Fill in “Justification”"),
        ("too short", "“Justification” needs at least 10 characters."),
        ("x" * 2001, "“Justification” may hold at most 2000 characters."),
    ],
)
@pytest.mark.parametrize("confirm", [False, True])
def test_a_missing_or_short_justification_is_refused_at_the_field(
    client, supervisor, nurse_a, justification, error, confirm
):
    alert = emergency_alert(nurse_a)
    before = set(AccessEvent.objects.values_list("seq", flat=True))
    response = review(
        client, alert, justification=justification, **({"confirm": "1"} if confirm else {})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'href="#id_justification"' in page  # the error summary leads to the field
    assert re.search(r'<textarea[^>]*aria-describedby="id_justification-error"[^>]*autofocus', page)
    assert not AlertReview.objects.exists() and not reviewed_events().exists()
    alert.refresh_from_db()
    assert not alert.reviewed
    # The only event written: the alert's page shown again is a read.
    new = AccessEvent.objects.exclude(seq__in=before)
    assert list(new.values_list("event_type", "detail__alert")) == [("admin_read", alert.pk)]


def test_reviewing_a_closed_alert_says_so_and_writes_nothing(
    client, supervisor, colleague, nurse_a
):
    alert = emergency_alert(nurse_a)
    confirmation = review(client, alert)  # the page is open; meanwhile a colleague closes it
    assert confirmation.status_code == 200
    alert_review(
        membership=colleague,
        alert_id=alert.pk,
        step=AlertReview.Step.ACKNOWLEDGED,
        justification="Closed by a colleague first.",
        now=timezone.now(),
    )
    for extra in ({"confirm": "1"}, {}):
        response = review(client, alert, **extra)
        assert response.status_code == 200
        assert "Karel Collega closed this alert already: your review was not saved." in (
            response.content.decode()
        )
    assert AlertReview.objects.count() == reviewed_events().count() == 1
    with pytest.raises(AlertClosed):
        alert_review(
            membership=supervisor,
            alert_id=alert.pk,
            step=AlertReview.Step.ESCALATED,
            justification=JUSTIFICATION,
            now=timezone.now(),
        )


# --- Nobody reviews their own actions ------------------------------------------------------------

OWN_ACTIONS = "This alert is about your own actions: another supervisor of your organisation"
OWN_ESCALATION = "You escalated this alert: the second review is by another supervisor"


def assert_nothing_reviewed(alert: MisuseAlert) -> None:
    assert not AlertReview.objects.filter(alert=alert).exists()
    assert not reviewed_events().filter(detail__alert=alert.pk).exists()
    alert.refresh_from_db()
    assert not alert.reviewed


@pytest.mark.parametrize("named", ["as_its_user", "in_its_facts"])
def test_alert_review_refuses_an_alert_about_the_reviewer(
    client, supervisor, colleague, nurse_a, named
):
    """The supervisor's own searches (its user), or a role granted to the supervisor's
    account (the account its facts name): the supervisor may not review it, a colleague
    may."""
    if named == "as_its_user":
        about, detail = Actor.for_membership(supervisor), {"limit": 30}
    else:
        about, detail = Actor.for_membership(nurse_a), {"username": "toezicht", "role": "triage"}
    alert = misuse_alert_raise(
        kind=Kind.SEARCH_VOLUME, actor=about, detail=detail, now=timezone.now()
    )
    page = client.get(url(alert)).content.decode()
    assert OWN_ACTIONS in page
    assert 'name="justification"' not in page and 'name="step"' not in page
    for step in AlertReview.Step:
        for extra in ({}, {"confirm": "1"}):  # the confirmation, and the step itself
            response = review(client, alert, step=step.value, **extra)
            assert response.status_code == 200
            page = response.content.decode()
            assert OWN_ACTIONS in page and "Your review was not saved." in page
            assert 'data-reason="review-refused"' in page and 'name="justification"' not in page
        with pytest.raises(ReviewRefused, match="about your own actions"):
            alert_review(
                membership=supervisor,
                alert_id=alert.pk,
                step=step,
                justification=JUSTIFICATION,
                now=timezone.now(),
            )
    assert_nothing_reviewed(alert)
    # A colleague reviews it.
    alert_review(
        membership=colleague,
        alert_id=alert.pk,
        step=AlertReview.Step.ACKNOWLEDGED,
        justification=JUSTIFICATION,
        now=timezone.now(),
    )
    alert.refresh_from_db()
    assert alert.reviewed


def test_alert_review_refuses_acknowledging_an_alert_the_reviewer_escalated(
    client, supervisor, colleague, nurse_a
):
    alert = emergency_alert(nurse_a)
    assert review(client, alert, step="escalated", confirm="1").status_code == 302
    page = client.get(url(alert)).content.decode()
    assert OWN_ESCALATION in page and 'name="justification"' not in page
    for extra in ({}, {"confirm": "1"}):
        response = review(client, alert, step="acknowledged", **extra)
        assert response.status_code == 200
        assert OWN_ESCALATION in response.content.decode()
    with pytest.raises(ReviewRefused, match="You escalated this alert"):
        alert_review(
            membership=supervisor,
            alert_id=alert.pk,
            step=AlertReview.Step.ACKNOWLEDGED,
            justification=JUSTIFICATION,
            now=timezone.now(),
        )
    # Only the escalation was written; the alert stays open for the second look.
    assert list(AlertReview.objects.values_list("step", "reviewer_username")) == [
        ("escalated", "toezicht")
    ]
    assert list(reviewed_events().values_list("detail__step", flat=True)) == ["escalated"]
    alert.refresh_from_db()
    assert not alert.reviewed
    alert_review(
        membership=colleague,
        alert_id=alert.pk,
        step=AlertReview.Step.ACKNOWLEDGED,
        justification="Second look: in care, as the nurse said.",
        now=timezone.now(),
    )
    alert.refresh_from_db()
    assert alert.reviewed


@pytest.mark.parametrize("justification", ["too short", "x" * (JUSTIFICATION_MAX + 1)])
def test_alert_review_refuses_a_justification_out_of_bounds_from_any_caller(
    supervisor, nurse_a, justification
):
    alert = emergency_alert(nurse_a)
    with pytest.raises(ValueError, match="justification of 10 to 2000 characters"):
        alert_review(
            membership=supervisor,
            alert_id=alert.pk,
            step=AlertReview.Step.ACKNOWLEDGED,
            justification=justification,
            now=timezone.now(),
        )
    assert_nothing_reviewed(alert)


def test_the_review_services_refuse_a_nurse(nurse_a):
    """Whatever calls them (a page, a task, a shell): deny by default, in the service."""
    alert = emergency_alert(nurse_a)
    calls = [
        lambda: alert_list_open(membership=nurse_a),
        lambda: alert_open(membership=nurse_a, alert_id=alert.pk),
        lambda: alert_review_check(membership=nurse_a, alert_id=alert.pk),
        lambda: alert_review(
            membership=nurse_a,
            alert_id=alert.pk,
            step=AlertReview.Step.ACKNOWLEDGED,
            justification=JUSTIFICATION,
            now=timezone.now(),
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not reads().exists()
    assert_nothing_reviewed(alert)


def _failing(table: str = "audit_accessevent", when: str = "true"):
    """The database refuses rows of `table` (for which `when` holds): a trigger, for this
    test's transaction only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW "
            f"WHEN ({when}) EXECUTE FUNCTION pg_temp.refuse()"
        )


@pytest.mark.parametrize(
    "fails",
    [
        ("audit_accessevent", "NEW.event_type = 'alert_reviewed'"),  # the ledger event
        ("oversight_alertreview", "true"),  # the review row, after the event
    ],
)
def test_a_review_that_fails_half_way_writes_nothing(client, supervisor, nurse_a, fails):
    alert = emergency_alert(nurse_a)
    _failing(*fails)
    with pytest.raises(DatabaseError, match="ledger unavailable"):
        review(client, alert, confirm="1")
    assert not AlertReview.objects.exists() and not reviewed_events().exists()
    alert.refresh_from_db()
    assert not alert.reviewed


# --- Every read is logged ---------------------------------------------------------------------


def test_reading_the_list_and_an_alert_writes_admin_read_events(client, supervisor, nurse_a):
    alert = emergency_alert(nurse_a)
    assert emergency_alert(nurse_a, bsn=CONSENTED) == alert  # a second hit, another patient
    client.get("/toezicht/?status=open&soort=emergency_access")
    client.get(url(alert))
    listing, *details = reads()
    for event in (listing, *details):
        assert (event.user_username, event.organisation_ura, event.action) == (
            "toezicht",
            supervisor.organisation.ura,
            Action.READ,
        )
        assert event.purpose_of_use == Purpose.OPERATIONS
        assert event.get_event_type_display() == "Logs or security settings read"
    assert listing.detail == {
        "page": "alerts",
        "shown": 1,
        "filters": {"state": "open", "kind": "emergency_access"},
    }
    assert listing.patient_bsn == ""
    # The alert's page: one event per patient it shows, so that each patient's own log
    # shows that a supervisor saw their data.
    assert sorted(event.patient_bsn for event in details) == sorted([BLANK, CONSENTED])
    for event in details:
        assert event.detail == {"page": "alert", "alert": alert.pk, "shown": 2}


def test_a_page_whose_read_event_fails_is_not_shown(client, supervisor, nurse_a):
    alert = emergency_alert(nurse_a)
    _failing(when="NEW.event_type = 'admin_read'")
    for path in ("/toezicht/", url(alert)):
        with pytest.raises(DatabaseError, match="ledger unavailable"):
            client.get(path)


# --- The alert's page -------------------------------------------------------------------------


def test_the_alert_page_explains_it_and_lists_the_events_behind_it(client, supervisor, nurse_a):
    alert = emergency_alert(nurse_a, bsn=REFUSED)
    page = client.get(url(alert)).content.decode()
    assert "Every emergency access is reviewed" in page  # the rule's explanation
    assert "Reasons given for emergency access" in page
    assert "Unconscious or not responsive" in page  # the coded reason in words
    events_table = page[page.index('data-testid="events"') :]
    assert REFUSED in events_table and "Emergency access" in events_table
    # The justification waits for the keyboard; both buttons are plain buttons (Tab).
    assert re.search(r'<textarea[^>]*name="justification"[^>]*autofocus', page) or re.search(
        r'<textarea[^>]*autofocus[^>]*name="justification"', page
    )
    assert page.count('type="submit" name="step"') == 2


def test_the_facts_are_put_in_words():
    facts = alert_facts(
        {
            "hours": [2, 3, 23],
            "usual_hours": [8, 9, 10],
            "days_learned_from": 12,
            "membership": 7,
            "patients": [{"bsn": CONSENTED, "matched": ["surname", "postal_code"]}],
        }
    )
    assert [(f.label, f.value) for f in facts] == [
        ("Hours of the views (Dutch time)", "02:00–04:00, 23:00–00:00"),
        ("Usual hours (Dutch time)", "08:00–11:00"),
        ("Days worked in the learning period", "12"),
        ("Patients (BSN)", f"{CONSENTED} (surname, postal code)"),
    ]
    # Reconciliation: the window, and the period judged in Dutch time (stored in UTC).
    with translation.override("en"):
        facts = alert_facts(
            {
                "views": 2,
                "patients": [CONSENTED],
                "window_minutes": 720,
                "judged_from": "2026-11-02T23:30:00+00:00",
                "judged_until": "2026-07-03T11:05:00+00:00",
            }
        )
        assert [(f.label, f.value) for f in facts] == [
            ("Summaries viewed", "2"),
            ("Patients (BSN)", CONSENTED),
            ("Window before and after a view (minutes)", "720"),
            ("Views judged from", "3 November 2026 00:30"),  # winter time: UTC+1
            ("Views judged until", "3 July 2026 13:05"),  # summer time: UTC+2
        ]


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.GP])
def test_a_nurse_or_a_gp_may_not_read_the_alerts(client, hap_a, nurse_a, role):
    alert = emergency_alert(nurse_a)
    organisation = (
        hap_a
        if role == Role.TRIAGE
        else OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE, ura="")
    )
    signed_in(client, MembershipFactory(organisation=organisation, role=role))
    for response in (client.get("/toezicht/"), client.get(url(alert)), review(client, alert)):
        assert response.status_code == 403
    assert not reads().exists() and not AlertReview.objects.exists()


def test_the_home_page_links_the_supervisor_to_the_alerts(client, supervisor):
    assert re.search(
        r'<a href="/toezicht/"[^>]*>Read the organisation', client.get("/").content.decode()
    )
