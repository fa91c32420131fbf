"""The supervisors' search of the ledger (/toezicht/logboek/): only their own organisation's
events, the filters, keyset pages without gaps or repeats, signed page links, and every
search itself a ledger event.

Events are written through the ledger's own functions (audit.events) at the times the
request context gives them. The pages are read in English (the language cookie): the Dutch
texts are the lead's to merge."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from audit import events
from audit.actors import Actor
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Purpose
from oversight.ledger.selectors import Cursor, LedgerQuery, ledger_page
from oversight.ledger.services import ledger_charts, ledger_search
from portal.models import Organisation, Role
from tests.audit.helpers import at
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 11, 2, 10, 0, tzinfo=AMSTERDAM)
OWN_URA, OTHER_URA = "90000101", "90000202"
BSN_A, BSN_B = "999911120", "999911132"
URL = "/toezicht/logboek/"


def actor(username: str, ura: str = OWN_URA, role: str = Role.TRIAGE) -> Actor:
    return Actor(
        username=username,
        name=username.title(),
        portal_role=role,
        organisation_ura=ura,
        organisation_name=f"HAP {ura}",
    )


def view(who: Actor, bsn: str, when: dt.datetime, basis=ConsentBasis.REGISTERED_CONSENT):
    with at(when):
        return events.summary_viewed(
            actor=who,
            patient_bsn=bsn,
            encounter=uuid.uuid4(),
            reason="test",
            consent_basis=basis,
            consent_policy="Corona Opt-in" if basis == ConsentBasis.EMERGENCY_ACCESS else "",
            emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
        )


def search(who: Actor, bsn: str, when: dt.datetime):
    with at(when):
        return events.patient_searched(actor=who, patient_bsn=bsn, found="nobody")


@pytest.fixture
def supervisor(client):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad", ura=OWN_URA)
    membership = MembershipFactory(
        user__username="toezicht", organisation=hap, role=Role.SUPERVISOR
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return membership


def seqs(response) -> list[int]:
    """The events the page lists, by seq, leaving out the supervisor's own reads of the
    ledger: each search is an event of the organisation too (and listed by later ones)."""
    assert response.status_code == 200
    listed = [int(s) for s in re.findall(r'data-seq="(\d+)"', response.content.decode())]
    own_reads = {event.seq for event in reads()}
    return [seq for seq in listed if seq not in own_reads]


def link(response, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return found and found.group(1).replace("&amp;", "&")


def reads() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(event_type=EventType.ADMIN_READ).order_by("seq"))


def test_only_the_organisations_own_events_are_listed_whatever_the_filter(client, supervisor):
    sanne_here, sanne_there = actor("sanne"), actor("sanne", OTHER_URA)
    own = [
        view(sanne_here, BSN_A, START).seq,
        search(sanne_here, BSN_A, START + dt.timedelta(minutes=1)).seq,
    ]
    # The same user and patient, acting for another organisation: never listed here.
    view(sanne_there, BSN_A, START + dt.timedelta(minutes=2))
    search(sanne_there, BSN_A, START + dt.timedelta(minutes=3))
    with at(START):  # an event without an organisation (a system task)
        events.ledger_verified(actor=Actor.system("verify"), checked=1, head_seq=1)

    assert seqs(client.get(URL)) == own[::-1]
    for query in (
        {"gebruiker": "sanne"},
        {"bsn": BSN_A},
        {"soort": EventType.SUMMARY_VIEW},
        {"van": "2026-11-02", "tot": "2026-11-02"},
        {"gebruiker": "sanne", "bsn": BSN_A, "van": "2026-11-01", "soort": "patient_search"},
    ):
        listed = seqs(client.get(URL, query))
        assert listed and set(listed) <= set(own), query


def test_the_filters_user_bsn_period_and_type(client, supervisor):
    sanne, piet = actor("sanne"), actor("piet", role=Role.DOCTOR)
    day1, day2 = START, START + dt.timedelta(days=1)
    a = view(sanne, BSN_A, day1).seq
    b = search(piet, BSN_B, day1 + dt.timedelta(hours=1)).seq
    c = view(piet, BSN_A, day2, ConsentBasis.EMERGENCY_ACCESS).seq
    d = search(sanne, BSN_B, day2 + dt.timedelta(hours=13, minutes=59)).seq  # 23:59 Dutch time

    assert seqs(client.get(URL, {"gebruiker": "sanne"})) == [d, a]
    assert seqs(client.get(URL, {"bsn": BSN_A})) == [c, a]
    assert seqs(client.get(URL, {"bsn": "9999 111 20"})) == [c, a]  # as typed, with spaces
    assert seqs(client.get(URL, {"soort": "patient_search"})) == [d, b]
    assert seqs(client.get(URL, {"van": "2026-11-03"})) == [d, c]
    assert seqs(client.get(URL, {"tot": "2026-11-02"})) == [b, a]
    assert seqs(client.get(URL, {"van": "03-11-2026", "tot": "03-11-2026"})) == [d, c]
    assert seqs(client.get(URL, {"gebruiker": "piet", "bsn": BSN_A})) == [c]
    assert seqs(client.get(URL, {"gebruiker": "nobody"})) == []

    page = client.get(URL, {"bsn": BSN_A}).content.decode()
    # The row: Dutch time, labels of the type, role, basis and outcome, the policy.
    assert "03-11-2026 10:00:00" in page and "Summary viewed" in page and "Doctor" in page
    assert "Emergency access under a policy" in page and "Corona Opt-in" in page
    assert "Success" in page and "Piet" in page


def test_keyset_pages_follow_each_other_without_gaps_or_repeats(client, supervisor):
    """120 events, 70 of them at the same moment (across the page boundaries): page 2
    starts exactly after page 1, also among equal times, and "newer" goes back."""
    sanne = actor("sanne")
    same = START + dt.timedelta(minutes=30)
    written = [view(sanne, BSN_A, START + dt.timedelta(minutes=i)) for i in range(25)]
    written += [view(sanne, BSN_A, same) for _ in range(70)]
    written += [view(sanne, BSN_A, START + dt.timedelta(minutes=40 + i)) for i in range(25)]
    expected = [e.seq for e in sorted(written, key=lambda e: (e.occurred_at, e.seq), reverse=True)]

    first = client.get(URL)
    pages, response = [seqs(first)], first
    assert link(first, "prev") is None  # the newest page
    while (older := link(response, "next")) is not None:
        response = client.get(URL + older)
        pages.append(seqs(response))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [seq for page in pages for seq in page] == expected

    # Back from page 3 to page 2, and from page 2 to page 1 (full, as it is now).
    third = client.get(URL + link(first, "next"))
    third = client.get(URL + link(third, "next"))
    second = client.get(URL + link(third, "prev"))
    assert seqs(second) == pages[1]
    assert seqs(client.get(URL + link(second, "prev"))) == pages[0]


def test_keyset_pages_keep_the_filters(client, supervisor):
    sanne, piet = actor("sanne"), actor("piet")
    mine = [view(sanne, BSN_A, START + dt.timedelta(seconds=i)).seq for i in range(60)]
    for i in range(60):
        view(piet, BSN_A, START + dt.timedelta(seconds=i))
    first = client.get(URL, {"gebruiker": "sanne"})
    second = client.get(URL + link(first, "next"))
    assert "gebruiker=sanne" in link(first, "next")
    assert seqs(first) + seqs(second) == mine[::-1]


def test_the_selector_pages_among_equal_times_by_seq(db):
    sanne = actor("sanne")
    written = [view(sanne, BSN_A, START).seq for _ in range(7)]
    page1 = ledger_page(OWN_URA, size=3)
    page2 = ledger_page(OWN_URA, size=3, cursor=page1.older)
    page3 = ledger_page(OWN_URA, size=3, cursor=page2.older)
    assert [r.seq for r in page1.rows + page2.rows + page3.rows] == written[::-1]
    assert page3.older is None and page1.newer is None
    assert [r.seq for r in ledger_page(OWN_URA, size=3, cursor=page3.newer).rows] == [
        r.seq for r in page2.rows
    ]


def test_a_changed_page_link_is_refused_with_a_message(client, supervisor):
    sanne = actor("sanne")
    for i in range(60):
        view(sanne, BSN_A, START + dt.timedelta(seconds=i))
    older = link(client.get(URL), "next")
    (token,) = parse_qs(urlsplit(older).query)["pagina"]
    payload, signature = token.rsplit(":", 1)
    before = len(reads())
    # Another position with this link's signature; the link cut short; not a link at all.
    other = Cursor(START + dt.timedelta(days=1), 10**9).dumps().rsplit(":", 1)[0]
    for bad in (f"{other}:{signature}", f"{payload}:{signature[:-3]}", "nonsense", "a:b:c"):
        response = client.get(URL, {"pagina": bad})
        assert response.status_code == 200
        page = response.content.decode()
        assert "The link to this page of the log is damaged or was changed" in page
        assert seqs(response) == []
    assert len(reads()) == before  # nothing read, nothing logged


def test_a_bsn_that_fails_the_11_test_is_a_field_error_and_nothing_is_searched(client, supervisor):
    view(actor("sanne"), BSN_A, START)
    response = client.get(URL, {"bsn": "123456789"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "123456789 is not a valid BSN (9 digits that pass the 11-test)." in page
    assert 'href="#id_bsn"' in page and 'aria-describedby="id_bsn-error"' in page
    assert seqs(response) == []
    assert reads() == []


def test_a_period_that_ends_before_it_starts_names_the_fields(client, supervisor):
    view(actor("sanne"), BSN_A, START)
    response = client.get(URL, {"van": "2026-11-05", "tot": "2026-11-04"})
    page = response.content.decode()
    assert "“To (date, included)” is before “From (date)”" in page
    assert 'href="#id_tot"' in page
    assert "“From (date)” is not a date" in client.get(URL, {"van": "gisteren"}).content.decode()
    # Dates at the calendar's ends (the day after 31-12-9999 does not exist): a field
    # error, not an error page.
    for name, label, value in (
        ("tot", "To (date, included)", "31-12-9999"),
        ("van", "From (date)", "01-01-0001"),
        ("van", "From (date)", "1999-12-31"),
    ):
        response = client.get(URL, {name: value})
        assert response.status_code == 200
        page = response.content.decode()
        assert f"“{label}” must be a date from 01-01-2000 to " in page, value
        assert f'href="#id_{name}"' in page
        assert seqs(response) == []
    assert reads() == []


def test_every_search_is_itself_a_ledger_event_with_its_filters(client, supervisor):
    sanne = actor("sanne")
    for i in range(55):
        view(sanne, BSN_A, START + dt.timedelta(seconds=i))

    view(sanne, BSN_B, START + dt.timedelta(seconds=56))  # the newest: on the first page

    first = client.get(URL)
    # One event a page, naming the patients it shows: each patient's own log finds it.
    (shown,) = reads()
    assert (shown.action, shown.purpose_of_use, shown.user_username, shown.organisation_ura) == (
        Action.READ,
        Purpose.OPERATIONS,
        "toezicht",
        OWN_URA,
    )
    assert shown.patient_bsn == ""  # no patient searched for
    assert shown.detail == {
        "page": "ledger",
        "filters": {},
        "page_size": 50,
        "cursor": None,
        "patients": sorted([BSN_A, BSN_B]),
    }
    assert list(
        AccessEvent.objects.filter(detail__patients__contains=BSN_B, event_type="admin_read")
    ) == [shown]

    client.get(URL + link(first, "next"))  # only BSN_A's views on page 2
    (paged,) = reads()[1:]
    assert paged.detail["patients"] == [BSN_A]
    assert paged.detail["cursor"]["direction"] == "older"
    assert paged.detail["cursor"]["seq"] == seqs(first)[-1]

    filters = {"gebruiker": "sanne", "van": "2026-11-01", "tot": "2026-11-30", "soort": ""}
    client.get(URL, {**filters, "bsn": BSN_A})
    (for_patient,) = reads()[2:]
    assert for_patient.patient_bsn == BSN_A
    assert for_patient.detail["filters"] == {
        "username": "sanne",
        "bsn": BSN_A,
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    # A search that shows nobody is logged too, with its filters; one that finds nobody
    # for a patient still names the patient.
    client.get(URL, {"gebruiker": "nobody"})
    client.get(URL, {"gebruiker": "nobody", "bsn": BSN_B})
    nobody, nobody_for_patient = reads()[3:]
    assert (nobody.patient_bsn, nobody.detail["filters"]) == ("", {"username": "nobody"})
    assert nobody.detail["patients"] == []
    assert nobody_for_patient.patient_bsn == BSN_B
    assert nobody_for_patient.detail["filters"] == {"username": "nobody", "bsn": BSN_B}


def test_the_ledger_services_refuse_a_nurse(db):
    """Whatever calls them (a page, a task, a shell): deny by default, in the service."""
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, ura=OWN_URA)
    nurse = MembershipFactory(organisation=hap, role=Role.TRIAGE)
    view(actor("sanne"), BSN_A, START)
    with pytest.raises(PermissionDenied):
        ledger_search(membership=nurse, query=LedgerQuery())
    with pytest.raises(PermissionDenied):
        ledger_charts(membership=nurse, first=START.date(), last=START.date())
    assert reads() == []


@pytest.mark.parametrize("role", [Role.GP, Role.TRIAGE, Role.DOCTOR])
@pytest.mark.parametrize("url", [URL, URL + "grafieken/"])
def test_gps_nurses_and_doctors_are_refused(client, role, url):
    kind = Organisation.Kind.GP_PRACTICE if role == Role.GP else Organisation.Kind.HAP
    organisation = OrganisationFactory(kind=kind, ura=OWN_URA)
    membership = MembershipFactory(organisation=organisation, role=role)
    enrol_totp(membership.user)
    client.force_login(membership.user)
    view(actor("sanne"), BSN_A, START)
    response = client.get(url)
    assert response.status_code == 403
    assert BSN_A not in response.content.decode()
    assert reads() == []
    assert AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 1


def test_a_supervisor_of_an_organisation_without_a_ura_sees_nothing(client):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, ura="", agb="06010001")
    membership = MembershipFactory(organisation=hap, role=Role.SUPERVISOR)
    enrol_totp(membership.user)
    client.force_login(membership.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    view(actor("sanne", ura=""), BSN_A, START)  # another organisation without a URA
    response = client.get(URL)
    assert response.status_code == 403
    assert "has no URA number" in response.content.decode()
    assert reads() == []


@pytest.mark.django_db(transaction=True)
def test_when_the_search_cannot_be_logged_nothing_is_shown(client, supervisor):
    """The database refuses the ledger row (a trigger standing in for a broken ledger)."""
    view(actor("sanne"), BSN_A, START)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$; "
            "CREATE TRIGGER test_refuse BEFORE INSERT ON audit_accessevent "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        client.raise_request_exception = False
        responses = [client.get(URL), client.get(URL + "grafieken/")]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_refuse ON audit_accessevent; DROP FUNCTION test_refuse()"
            )
    for response in responses:
        assert response.status_code == 500
        assert BSN_A not in response.content.decode()
        assert "data-seq" not in response.content.decode()
        assert "data:image/svg+xml" not in response.content.decode()
    assert reads() == []


def test_the_rows_and_the_event_types_follow_the_language_page_after_page(client, supervisor):
    # The labels are translated once per language and kept: a Dutch page after an English
    # one (and back) must not show the other language's labels.
    view(actor("sanne"), BSN_A, START)
    for language, viewed, any_type in [
        ("en", "Summary viewed", "Any"),
        ("nl", "Samenvatting ingezien", "Alle"),
        ("en", "Summary viewed", "Any"),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(URL).content.decode()
        assert f'<td class="utrecht-table__cell">{viewed}</td>' in page  # the row
        assert f'<option value="" selected>{any_type}</option>' in page
        assert f'<option value="summary_view">{viewed}</option>' in page


def test_the_kept_search_form_shows_each_fields_own_value(client, supervisor):
    # The form's markup is kept per language and values: a new value in any one field, the
    # rest unchanged, must show, and a search without it must not show it still.
    from oversight.ledger.forms import SEARCH_FIELDS, LedgerSearchForm

    filled = {
        "gebruiker": "sanne",
        "bsn": BSN_A,
        "van": "2026-11-01",
        "tot": "2026-11-30",
        "soort": EventType.SUMMARY_VIEW.value,
    }
    changed = {
        "gebruiker": "piet",
        "bsn": BSN_B,
        "van": "2026-11-02",
        "tot": "2026-11-29",
        "soort": EventType.PATIENT_SEARCH.value,
    }
    visible = [field.name for field in LedgerSearchForm().visible_fields()]
    # A new field belongs in these, and in SEARCH_FIELDS (the kept markup's key, the links).
    assert sorted(visible) == sorted(filled) == sorted(SEARCH_FIELDS)

    def shown(response, name: str, value: str) -> bool:
        html = response.content.decode()
        if name == "soort":
            return f'<option value="{value}" selected>' in html
        return re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', html) is not None

    for _ in range(2):  # written, then kept
        response = client.get(URL, filled)
        assert all(shown(response, name, value) for name, value in filled.items())
    for name, value in changed.items():
        response = client.get(URL, {**filled, name: value})
        assert shown(response, name, value), name
        assert not shown(response, name, filled[name]), name
    response = client.get(URL)
    assert not any(shown(response, name, value) for name, value in filled.items())


def test_the_page_links_carry_the_typed_fields_and_nothing_else(client, supervisor):
    sanne = actor("sanne")
    for i in range(60):
        view(sanne, BSN_A, START + dt.timedelta(seconds=i))
    first = client.get(URL, {"gebruiker": "sanne", "bsn": "", "van": "2026-11-01", "x": "y"})
    older = parse_qs(urlsplit(link(first, "next")).query)
    assert sorted(older) == ["gebruiker", "pagina", "van"]
    assert older["gebruiker"] == ["sanne"] and older["van"] == ["2026-11-01"]
    second = client.get(URL + link(first, "next"))
    newer = parse_qs(urlsplit(link(second, "prev")).query)
    assert sorted(newer) == ["gebruiker", "pagina", "van"]


def test_the_page_looks_up_no_variable_its_context_lacks(client, supervisor, caplog):
    # Each failed lookup in a template costs an exception or three and a dir() of the
    # object (Django logs it at DEBUG); the newest page, a search and a later page have none.
    view(actor("sanne"), BSN_A, START)
    caplog.set_level("DEBUG", logger="django.template")
    for query in ({}, {"gebruiker": "sanne", "soort": EventType.SUMMARY_VIEW.value}):
        for _ in range(2):  # the form's markup written, then kept
            assert client.get(URL, query).status_code == 200
    failed = [r.getMessage() for r in caplog.records if "resolving variable" in r.getMessage()]
    assert failed == []
