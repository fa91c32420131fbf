"""Reconciliation (issue 15, item 2): a supervisor uploads the organisation's own contact
registrations as a CSV file — all rows or none, each error named by row and column, once
per contact — and every summary view the registration does not account for becomes an
alert. The API's way in: test_contacts_api.py."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.identifiers import bsn_is_valid
from audit.models import AccessEvent, ConsentBasis, EventType, MisuseAlert, Purpose
from oversight.models import ContactRegistration, ContactUpload
from oversight.monitoring.registry import alert_explanation
from oversight.reconciliation.parsing import ContactError, InvalidContacts, contacts_from_csv
from oversight.reconciliation.selectors import contacts_page
from oversight.reconciliation.services import (
    contacts_file_upload,
    contacts_reconcile,
    contacts_reconcile_upload,
    contacts_upload,
)
from oversight.tasks import contacts_reconcile_task
from portal.models import Organisation, Role
from tests.audit.helpers import at
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.processes import celery_worker

pytestmark = pytest.mark.django_db

PAGE = "/toezicht/contacten/"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NO_MATCH = MisuseAlert.Kind.NO_MATCHING_CONTACT
# A Monday morning in the past, in winter time (UTC+1).
T = dt.datetime(2026, 11, 2, 10, 0, tzinfo=AMSTERDAM)


def valid_bsns(count: int, start: int = 111_222_000) -> list[str]:
    found = (f"{n:09d}" for n in itertools.count(start))
    return list(itertools.islice((b for b in found if bsn_is_valid(b)), count))


P1, P2, P3, P4 = valid_bsns(4)


@pytest.fixture(autouse=True)
def _fixed_dates_are_not_too_old(settings):
    """The contacts here lie at fixed dates (T, GOOD), however long ago those are when the
    tests run: RECONCILIATION_MAX_AGE_DAYS must not refuse them. The age limit has tests of
    its own, which set it again."""
    settings.RECONCILIATION_MAX_AGE_DAYS = 100 * 365


@pytest.fixture
def hap(db):
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura="90000101")


@pytest.fixture
def other_hap(db):
    return OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Dorp", ura="90000202")


@pytest.fixture
def supervisor(hap):
    return MembershipFactory(user__username="toezicht", organisation=hap, role=Role.SUPERVISOR)


@pytest.fixture
def signed_in(client, supervisor):
    """The supervisor's browser, in English (the page's texts are asserted in English)."""
    enrol_totp(supervisor.user)
    client.force_login(supervisor.user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def csv_file(*lines: str, separator: str = ",", name: str = "contacten.csv", bom=False):
    text = "\r\n".join(line.replace("|", separator) for line in lines) + "\r\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, file):
    return client.post(PAGE, {"file": file})


def written() -> tuple[int, int, int]:
    """What a refused file must leave as it was: contacts, uploads, ledger events."""
    return (
        ContactRegistration.objects.count(),
        ContactUpload.objects.count(),
        AccessEvent.objects.count(),
    )


def page_errors(response) -> list[str]:
    html = response.content.decode()
    start = html.index('data-testid="file-errors"')
    block = html[start : html.index("</ul>", start)]
    return [item.split("</li>")[0].strip() for item in block.split("<li>")[1:]]


GOOD = (
    "bsn|contactmoment|locatie",
    f"{P1}|2026-11-02T09:30:00+01:00|Huisartsenpost Stad",
    f"{P2}|02-11-2026 11:15|Huisartsenpost Stad",
    f"{P3}|2026-11-02 23:40|Visite",
)


# --- Who may use the page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.TRIAGE, Organisation.Kind.HAP), (Role.GP, Organisation.Kind.GP_PRACTICE)],
)
def test_contacts_page_refuses_nurses_and_gps(client, role, kind):
    membership = MembershipFactory(role=role, organisation=OrganisationFactory(kind=kind))
    enrol_totp(membership.user)
    client.force_login(membership.user)
    assert client.get(PAGE).status_code == 403
    assert upload(client, csv_file(*GOOD)).status_code == 403
    assert written()[:2] == (0, 0)


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.DOCTOR])
def test_contacts_file_upload_and_contacts_page_refuse_a_nurse_or_doctor(hap, role):
    # Deny by default in the service and the selector, whatever path calls them.
    nurse = MembershipFactory(organisation=hap, role=role)
    with pytest.raises(PermissionDenied):
        contacts_file_upload(membership=nurse, filename="a.csv", data=raw(*GOOD))
    with pytest.raises(PermissionDenied):
        contacts_page(membership=nurse)
    assert written() == (0, 0, 0)


def test_contacts_upload_refuses_an_organisation_that_is_no_hap_or_seh(db):
    practice = OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE, ura="90000303")
    contacts = contacts_from_csv(raw(*GOOD), now=timezone.now())
    with pytest.raises(PermissionDenied):
        contacts_upload(
            organisation=practice,
            contacts=contacts,
            source=ContactUpload.Source.API,
            filename="",
            sha256="0" * 64,
            actor=Actor(username="api:90000303", name="Praktijk", organisation_ura="90000303"),
        )
    assert written() == (0, 0, 0)


def test_contacts_page_shows_the_form_and_the_sub_navigation(signed_in):
    html = signed_in.get(PAGE).content.decode()
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert 'aria-current="page">Contact registrations<' in html
    assert "Nothing uploaded yet" in html


# --- All or nothing, errors by row and column -------------------------------------------


def test_a_file_with_one_bad_row_loads_nothing_and_names_the_row_and_column(signed_in):
    before = written()
    response = upload(
        signed_in,
        csv_file(
            "bsn|contactmoment|locatie",
            f"{P1}|2026-11-02T09:30:00+01:00|Huisartsenpost Stad",
            f"{P2}|2026-11-02T10:30:00+01:00|Huisartsenpost Stad",
            f"{P3}|gisteren|Huisartsenpost Stad",
            f"{P4}|2026-11-02T11:30:00+01:00|Huisartsenpost Stad",
        ),
    )
    assert response.status_code == 200
    assert written() == before  # no contact, no upload, no ledger event
    errors = page_errors(response)
    assert len(errors) == 1
    assert errors[0].startswith("row 4, column contactmoment: Must be a date and time")
    assert "Nothing was loaded: the file has 1 error." in response.content.decode()


def test_a_file_with_several_bad_rows_lists_each(signed_in):
    response = upload(
        signed_in,
        csv_file(
            "bsn|contactmoment|locatie",
            "123456789|2026-11-02T09:30:00+01:00|Huisartsenpost Stad",  # fails the 11-test
            f"{P2}|2026-11-02T10:30:00+01:00|",  # no location
            f"{P3}|31-02-2026 10:00|Huisartsenpost Stad",  # no such date
            f"{P4}|2026-11-02T11:30:00+01:00|" + "x" * 101,  # too long
        ),
    )
    assert page_errors(response) == [
        "row 2, column bsn: Not a valid BSN: it fails the 11-test.",
        "row 3, column locatie: Must not be empty.",
        "row 4, column contactmoment: Must be a date and time: dd-mm-yyyy hh:mm (Dutch time) "
        "or ISO 8601, e.g. 26-11-2026 09:30 or 2026-11-26T09:30:00+01:00.",
        "row 5, column locatie: At most 100 characters; this one has 101.",
    ]
    assert written()[:2] == (0, 0)


def test_unknown_and_missing_columns_are_named_in_the_header_row(signed_in):
    response = upload(
        signed_in,
        csv_file("bsn|datum|locatie", f"{P1}|2026-11-02T09:30:00+01:00|HAP"),
    )
    errors = page_errors(response)
    assert errors[0].startswith("row 1, column datum: Unknown column")
    assert errors[1] == "row 1, column contactmoment: This column is missing."
    assert written()[:2] == (0, 0)


def test_a_time_in_the_future_is_refused(signed_in):
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    response = upload(
        signed_in,
        csv_file("bsn|contactmoment|locatie", f"{P1}|{tomorrow:%d-%m-%Y %H:%M}|HAP"),
    )
    assert page_errors(response) == ["row 2, column contactmoment: Must not be in the future."]
    assert written()[:2] == (0, 0)


def test_a_time_more_than_the_maximum_age_ago_loads_nothing(signed_in, settings):
    settings.RECONCILIATION_MAX_AGE_DAYS = 31
    now = timezone.localtime()
    before = written()
    response = upload(
        signed_in,
        csv_file(
            "bsn|contactmoment|locatie",
            f"{P1}|{now - dt.timedelta(days=30):%d-%m-%Y %H:%M}|HAP",
            f"{P2}|{now - dt.timedelta(days=32):%d-%m-%Y %H:%M}|HAP",  # a mistyped month
        ),
    )
    assert page_errors(response) == [
        "row 3, column contactmoment: Must not be more than 31 days ago: check the date."
    ]
    assert written() == before


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (-dt.timedelta(days=31) + dt.timedelta(minutes=1), None),
        (-dt.timedelta(days=31) - dt.timedelta(minutes=1), "Must not be more than 31 days ago"),
        (dt.timedelta(seconds=59), None),  # API_CLOCK_SKEW_SECONDS: the sender's clock
        (dt.timedelta(minutes=2), "Must not be in the future."),
    ],
)
def test_contact_times_are_bounded_by_the_maximum_age_and_the_clock_skew(settings, offset, message):
    settings.RECONCILIATION_MAX_AGE_DAYS = 31
    settings.API_CLOCK_SKEW_SECONDS = 60
    now = T.astimezone(dt.UTC)
    data = f"bsn,contactmoment,locatie\n{P1},{(now + offset).isoformat()},HAP\n".encode()
    if message is None:
        assert contacts_from_csv(data, now=now)[0].contact_at == now + offset
        return
    with pytest.raises(InvalidContacts) as refused:
        contacts_from_csv(data, now=now)
    [error] = refused.value.errors
    assert (error.row, error.column) == (2, "contactmoment")
    assert error.message.startswith(message)


def test_rows_are_numbered_as_the_spreadsheet_shows_them_with_quoted_line_breaks():
    data = (
        f'bsn,contactmoment,locatie\n\n"{P1}",2026-11-02 09:30,"Post\nNoord"\n{P2},gisteren,HAP\n'
    ).encode()
    with pytest.raises(InvalidContacts) as refused:
        contacts_from_csv(data, now=timezone.now())
    # Row 2 is empty (skipped); row 3's location holds a line break (a control character);
    # row 4 is the next record, not the next line.
    assert [(e.row, e.column) for e in refused.value.errors] == [
        (3, "locatie"),
        (4, "contactmoment"),
    ]


def test_a_file_that_is_not_utf8_names_the_row(signed_in):
    data = f"bsn;contactmoment;locatie\r\n{P1};02-11-2026 09:30;Zo\xebterwoude\r\n".encode("cp1252")
    response = upload(signed_in, SimpleUploadedFile("export.csv", data))
    assert page_errors(response)[0].startswith("row 2: The file is not UTF-8 text.")


def test_the_size_and_row_limits_are_clear(signed_in, settings):
    settings.RECONCILIATION_MAX_ROWS = 2
    response = upload(signed_in, csv_file(*GOOD))
    assert page_errors(response) == [
        "row 4: The file has more than 2 rows: split it into smaller files."
    ]
    settings.RECONCILIATION_MAX_FILE_BYTES = 50
    html = upload(signed_in, csv_file(*GOOD)).content.decode()
    assert "The file is larger than 50\xa0bytes: split it into smaller files." in html
    assert written()[:2] == (0, 0)


def test_too_many_rows_is_listed_first_behind_many_bad_rows(settings):
    settings.RECONCILIATION_MAX_ROWS = 150
    data = ("bsn;contactmoment;locatie\n" + "1;x;\n" * 151).encode()  # 3 errors a row
    with pytest.raises(InvalidContacts) as refused:
        contacts_from_csv(data, now=timezone.now())
    errors = refused.value.errors
    assert errors[0] == ContactError(
        152, None, "The file has more than 150 rows: split it into smaller files."
    )
    assert len(errors) == django_settings.RECONCILIATION_MAX_ERRORS
    assert refused.value.count == 150 * 3 + 1


def test_too_many_errors_are_counted_not_listed(settings):
    settings.RECONCILIATION_MAX_ERRORS = 3
    data = ("bsn;contactmoment;locatie\n" + "1;x;\n" * 4).encode()
    with pytest.raises(InvalidContacts) as refused:
        contacts_from_csv(data, now=timezone.now())
    assert len(refused.value.errors) == 3 and refused.value.more == 9
    assert refused.value.count == 12


# --- Loading --------------------------------------------------------------------------------


def test_a_good_file_loads_with_its_ledger_event_and_shows_the_result(signed_in, hap):
    response = upload(signed_in, csv_file(*GOOD))
    created = ContactUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?upload={created.pk}"
    contacts = ContactRegistration.objects.order_by("contact_at")
    assert [(c.patient_bsn, c.contact_at, c.location, c.organisation) for c in contacts] == [
        (P1, dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC), "Huisartsenpost Stad", hap),
        (P2, dt.datetime(2026, 11, 2, 10, 15, tzinfo=dt.UTC), "Huisartsenpost Stad", hap),
        (P3, dt.datetime(2026, 11, 2, 22, 40, tzinfo=dt.UTC), "Visite", hap),
    ]
    assert (created.source, created.filename, created.rows, created.added) == (
        "file",
        "contacten.csv",
        3,
        3,
    )
    assert (created.uploaded_by, created.uploaded_by_name) == (
        "toezicht",
        signed_in_user_name(created),
    )
    event = AccessEvent.objects.get(event_type=EventType.CONTACTS_UPLOADED)
    assert (event.user_username, event.organisation_ura, event.purpose_of_use) == (
        "toezicht",
        "90000101",
        Purpose.OPERATIONS,
    )
    assert event.detail == {
        "upload": created.pk,
        "source": "file",
        "filename": "contacten.csv",
        "sha256": created.sha256,
        "rows": 3,
        "added": 3,
        "period": {"first": "2026-11-02T08:30:00+00:00", "last": "2026-11-02T22:40:00+00:00"},
    }
    html = signed_in.get(response["Location"]).content.decode()
    assert 'data-testid="upload-result"' in html
    assert '<dd data-field="added">3</dd>' in html and "Nothing new" not in html
    assert f'data-upload="{created.pk}"' in html
    # 08:30 to 22:40: less than a window either side of any view, so nothing is judged yet.
    assert "No summary view is compared yet" in html


def signed_in_user_name(upload: ContactUpload) -> str:
    from portal.models import User

    return User.objects.get(username=upload.uploaded_by).display_name


def test_the_same_contacts_in_another_file_add_nothing_and_say_so(signed_in):
    upload(signed_in, csv_file(*GOOD))
    # The same contacts, saved again (in another order, with other separators).
    again = upload(signed_in, csv_file(GOOD[0], *reversed(GOOD[1:]), separator=";"))
    second = ContactUpload.objects.order_by("-id").first()
    assert (second.rows, second.added) == (3, 0)
    assert ContactRegistration.objects.count() == 3  # no duplicates
    html = signed_in.get(again["Location"]).content.decode()
    assert '<dd data-field="added">0</dd>' in html
    assert '<dd data-field="known">3</dd>' in html
    assert "Nothing new: every contact in this file was registered before." in html
    assert AccessEvent.objects.filter(event_type=EventType.CONTACTS_UPLOADED).count() == 2


def test_uploading_the_same_file_again_loads_nothing_and_says_when_it_was_loaded(
    signed_in, django_capture_on_commit_callbacks
):
    upload(signed_in, csv_file(*GOOD))
    before = written()
    first = ContactUpload.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        again = upload(signed_in, csv_file(*GOOD, name="contacten (1).csv"))
    # No upload, no ledger event, no reconciliation run: nothing was loaded.
    assert written() == before and callbacks == []
    assert again.status_code == 200
    html = again.content.decode()
    assert 'data-testid="loaded-before"' in html
    assert "This file was already loaded on " in html and "nothing was loaded again." in html
    assert 'data-testid="upload-result"' not in html
    assert html.count('data-upload="') == 1 and f'data-upload="{first.pk}"' in html


def test_a_dutch_excel_file_with_bom_semicolons_and_dutch_dates_loads(signed_in):
    response = upload(
        signed_in,
        csv_file(
            "BSN|Contactmoment|Locatie",
            f"{P1}|2-11-2026 9:05|Huisartsenpost Zoëterwoude",
            f"{P2}|15-07-2026 14:30|Huisartsenpost Stad",  # summer time: UTC+2
            f"{P3}|02-11-2026 23:59:30|Visite",
            "||",  # an empty row as Excel writes it
            separator=";",
            bom=True,
        ),
    )
    assert response.status_code == 302
    assert sorted(ContactRegistration.objects.values_list("patient_bsn", "contact_at")) == sorted(
        [
            (P1, dt.datetime(2026, 11, 2, 8, 5, tzinfo=dt.UTC)),
            (P2, dt.datetime(2026, 7, 15, 12, 30, tzinfo=dt.UTC)),
            (P3, dt.datetime(2026, 11, 2, 22, 59, 30, tzinfo=dt.UTC)),
        ]
    )
    assert ContactRegistration.objects.get(patient_bsn=P1).location == "Huisartsenpost Zoëterwoude"


def test_a_bsn_without_its_leading_zero_is_read_with_it():
    zero = valid_bsns(1, start=11_222_000)[0]
    assert zero.startswith("0")
    contacts = contacts_from_csv(
        f"bsn,contactmoment,locatie\n{zero[1:]},2026-11-02 09:30,HAP\n".encode(),
        now=timezone.now(),
    )
    assert contacts[0].bsn == zero


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(InvalidContacts) as refused:
        contacts_from_csv(
            f"bsn;contactmoment;locatie\n{P1};29-03-2026 02:30;HAP\n".encode(), now=timezone.now()
        )
    assert refused.value.errors[0].message.startswith("This time does not exist in Dutch time")


def test_another_organisations_uploads_are_not_shown(signed_in, other_hap):
    theirs = other_supervisor(other_hap)
    contacts_file_upload(membership=theirs, filename="dorp.csv", data=raw(*GOOD))
    theirs_upload = ContactUpload.objects.get()
    html = signed_in.get(f"{PAGE}?upload={theirs_upload.pk}").content.decode()
    assert "dorp.csv" not in html and 'data-testid="upload-result"' not in html
    assert "Nothing uploaded yet" in html


# --- Reconciliation -------------------------------------------------------------------------


def other_supervisor(organisation):
    return MembershipFactory(organisation=organisation, role=Role.SUPERVISOR)


def raw(*lines: str) -> bytes:
    return ("\n".join(line.replace("|", ",") for line in lines) + "\n").encode()


def contacts_at(membership, *contacts: tuple[str, dt.datetime]) -> ContactUpload:
    """Upload these contacts (BSN, time) for the membership's organisation, as a file."""
    lines = [f"{bsn}|{when.isoformat()}|Post" for bsn, when in contacts]
    return contacts_file_upload(
        membership=membership,
        filename="contacts.csv",
        data=raw("bsn|contactmoment|locatie", *lines),
    ).upload


SANNE = Actor(
    username="sanne",
    name="Sanne de Vries",
    organisation_ura="90000101",
    organisation_name="HAP Stad",
)


def view(patient: str, when: dt.datetime, actor: Actor = SANNE) -> AccessEvent:
    with at(when):
        return events.summary_viewed(
            actor=actor,
            patient_bsn=patient,
            encounter=uuid.uuid4(),
            reason="registered_consent",
            consent_basis=ConsentBasis.REGISTERED_CONSENT,
            consent_policy="",
            emergency=False,
        )


def reconciled(upload: ContactUpload):
    return contacts_reconcile_upload(upload_id=upload.pk)


def alerts() -> list[MisuseAlert]:
    return list(MisuseAlert.objects.filter(kind=NO_MATCH).order_by("username"))


HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
# Contacts of other patients that make the uploads cover two days around T: the views from
# T-12h to T+12h have their whole window (12 hours either side) covered, and are judged.
FRAME = ((P4, T - 24 * HOUR), (P4, T + 24 * HOUR))


def test_a_view_with_a_contact_within_the_window_raises_nothing(supervisor):
    view(P1, T)
    view(P2, T + 2 * HOUR)
    result = reconciled(contacts_at(supervisor, *FRAME, (P1, T + 3 * HOUR), (P2, T - 9 * HOUR)))
    assert result.alerts == 0 and alerts() == []


def test_a_view_without_a_contact_becomes_an_alert_with_the_event_linked(supervisor):
    matched = view(P1, T)
    unmatched = view(P2, T + HOUR)
    too_far = view(P3, T + 2 * HOUR)  # its contact is 13 hours away
    result = reconciled(contacts_at(supervisor, *FRAME, (P1, T + HOUR), (P3, T - 11 * HOUR)))
    assert result.alerts == 1
    [alert] = alerts()
    assert (alert.username, alert.organisation_ura, alert.hits) == ("sanne", "90000101", 2)
    assert list(alert.events().values_list("id", flat=True)) == [unmatched.id, too_far.id]
    assert matched.id not in alert.events().values_list("id", flat=True)
    assert alert.detail["patients"] == sorted([P2, P3])
    assert alert.detail["window_minutes"] == 720
    assert (alert.first_seen_at, alert.last_seen_at) == (
        unmatched.occurred_at,
        too_far.occurred_at,
    )


def test_the_window_is_a_setting(supervisor, settings):
    settings.RECONCILIATION_WINDOW = dt.timedelta(hours=14)
    view(P3, T + 2 * HOUR)
    reconciled(contacts_at(supervisor, *FRAME, (P3, T - 11 * HOUR)))
    assert alerts() == []


def test_reconciling_twice_raises_nothing_twice(supervisor):
    view(P2, T)
    uploaded = contacts_at(supervisor, *FRAME)
    assert reconciled(uploaded).alerts == 1
    assert reconciled(uploaded).alerts == 0
    [alert] = alerts()
    assert alert.hits == 1 and alert.events().count() == 1
    # The same file again: nothing new, no new hit.
    assert reconciled(contacts_at(supervisor, *FRAME)).alerts == 0
    assert MisuseAlert.objects.get(pk=alert.pk).hits == 1


def test_another_organisations_contacts_never_count(supervisor, other_hap):
    view(P1, T)
    contacts_at(other_supervisor(other_hap), *FRAME, (P1, T))  # the same patient, elsewhere
    reconciled(contacts_at(supervisor, *FRAME))
    [alert] = alerts()
    assert alert.organisation_ura == "90000101"


def test_another_organisations_views_are_not_judged(supervisor, other_hap):
    elsewhere = Actor(username="piet", name="Piet", organisation_ura=other_hap.ura)
    view(P1, T, actor=elsewhere)
    reconciled(contacts_at(supervisor, *FRAME))
    assert alerts() == []


def test_only_views_within_the_period_the_uploads_cover_are_judged(supervisor):
    late = view(P1, T + 13 * HOUR)  # its window reaches past the newest contact: not yet
    early = view(P2, T - 13 * HOUR)  # its window reaches before the first: never
    reconciled(contacts_at(supervisor, *FRAME))
    assert alerts() == []
    # The next day's upload covers the late view (and its contacts do not match it).
    reconciled(contacts_at(supervisor, (P4, T + 36 * HOUR)))
    [alert] = alerts()
    assert list(alert.events().values_list("id", flat=True)) == [late.id]
    assert early.id not in alert.events().values_list("id", flat=True)


def test_a_view_near_the_newest_contact_waits_for_the_next_upload(supervisor):
    # Daily uploads: a view at 23:30, its contact at 00:10, in the next day's file.
    evening = T + 13 * HOUR + 30 * MINUTE
    late = view(P1, evening)
    first = contacts_at(supervisor, (P4, T - 24 * HOUR), (P4, evening + 20 * MINUTE))
    result = reconciled(first)
    assert result.until == evening + 20 * MINUTE - 12 * HOUR  # the view is not judged yet
    assert alerts() == []
    second = contacts_at(supervisor, (P1, evening + 40 * MINUTE), (P4, T + 48 * HOUR))
    result = reconciled(second)
    assert result.since <= late.occurred_at <= result.until  # judged now, and matched
    assert result.alerts == 0 and alerts() == []


def test_a_refused_view_is_not_judged(supervisor):
    with at(T):
        events.access_denied(actor=SANNE, reason="consent", patient_bsn=P1, reading=True)
    reconciled(contacts_at(supervisor, *FRAME))
    assert alerts() == []


def test_each_user_gets_an_alert_of_their_own(supervisor):
    piet = Actor(username="piet", name="Piet Bakker", organisation_ura="90000101")
    view(P1, T)
    view(P2, T, actor=piet)
    result = reconciled(contacts_at(supervisor, *FRAME))
    assert result.alerts == 2
    assert [a.username for a in alerts()] == ["piet", "sanne"]


def test_reconcile_with_a_range_judges_only_that_range(supervisor):
    view(P1, T - 6 * HOUR)
    view(P2, T + 6 * HOUR)
    contacts_at(supervisor, *FRAME)  # judged: T-12h to T+12h
    result = contacts_reconcile(organisation=supervisor.organisation, since=T, until=T + 7 * HOUR)
    assert (result.since, result.until, result.alerts) == (T, T + 7 * HOUR, 1)
    assert alerts()[0].detail["patients"] == [P2]


def test_the_alert_has_an_explanation():
    assert "12 hours" in alert_explanation(NO_MATCH)


def test_an_upload_enqueues_reconciliation_on_commit(
    supervisor, django_capture_on_commit_callbacks
):
    view(P2, T)
    with django_capture_on_commit_callbacks() as callbacks:
        uploaded = contacts_at(supervisor, *FRAME)
    assert len(callbacks) == 1
    assert alerts() == []  # nothing before the task
    result = contacts_reconcile_task.apply(args=[uploaded.pk]).get()
    assert result["alerts"] == 1
    assert dt.datetime.fromisoformat(result["since"]) == T - 12 * HOUR


@pytest.mark.django_db(transaction=True)
def test_the_worker_reconciles_after_an_upload_commits(hap):
    supervisor = MembershipFactory(organisation=hap, role=Role.SUPERVISOR)
    unmatched = view(P2, T)
    with celery_worker() as (queue, _):
        from portal.celery import app

        default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue  # .delay() goes to this test's worker
        try:
            contacts_at(supervisor, *FRAME)  # commits: the task is enqueued after it
            deadline = time.monotonic() + 60
            while not alerts() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            app.conf.task_default_queue = default_queue
    [alert] = alerts()
    assert list(alert.events().values_list("id", flat=True)) == [unmatched.id]
