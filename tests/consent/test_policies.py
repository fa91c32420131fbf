"""The administrator's policies page (/beleid/): the list, a new policy, its period, the
switch with a reason and a confirmation step, the history, the ledger; other roles refused;
and the stop button acting on the very next triage request."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from audit.actors import Actor
from audit.models import AccessEvent, Action, EventType
from audit.verification import ledger_verify
from consent import selectors
from consent.models import Policy, PolicyChange
from consent.selectors import policies_at
from consent.services import policy_create, policy_switch, policy_update
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, enrol_totp
from tests.triage.fixtures import BIRTH, BLANK

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
ADMIN = Actor(username="beheer", name="Anna Visser", organisation_name="HAP Stad")


def signed_in(role: Role, username: str, kind=Organisation.Kind.HAP) -> Client:
    organisation = OrganisationFactory(kind=kind, name="HAP Stad")
    code = {Role.GP: "01.015", Role.DOCTOR: "01.000", Role.TRIAGE: "30.000"}.get(role, "00.000")
    membership = MembershipFactory(
        user__username=username,
        user__first_name="Anna",
        user__last_name="Visser",
        organisation=organisation,
        role=role,
        uzi_role_code=code,
    )
    enrol_totp(membership.user)
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def administrator() -> Client:
    return signed_in(Role.ADMIN, "beheer")


@pytest.fixture
def opt_in():
    """The Corona Opt-in, on since yesterday (seconds and all, as the demo makes it)."""
    return Policy.objects.create(
        name="Corona Opt-in",
        is_on=True,
        condition="suspected_covid",
        starts_at=timezone.now() - dt.timedelta(days=1, seconds=17),
    )


def ledger(kind=EventType.POLICY_CHANGED) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(event_type=kind).order_by("seq"))


def snapshot(policy: Policy) -> dict:
    return Policy.objects.values(
        "is_on", "starts_at", "ends_at", "condition", "reason", "name"
    ).get(pk=policy.pk)


def nothing_written(policy: Policy, before: dict) -> bool:
    """The policy as it was, no history row, no ledger event."""
    return snapshot(policy) == before and not PolicyChange.objects.exists() and not ledger()


def input_tag(html: str, element_id: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*\bid="{element_id}"[^>]*>', html).group(0)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


# --- The list ----------------------------------------------------------------------------


def test_the_list_shows_each_policy_whether_it_is_in_force_and_why_not(administrator, opt_in):
    now = timezone.now()
    day = dt.timedelta(days=1)
    Policy.objects.create(name="Uitgezet", is_on=False, starts_at=now - day)
    Policy.objects.create(name="Later", is_on=True, starts_at=now + day)
    Policy.objects.create(name="Voorbij", is_on=True, starts_at=now - 2 * day, ends_at=now - day)
    html = administrator.get("/beleid/").content.decode()
    statuses = dict(
        re.findall(r'href="/beleid/\d+/"[^>]*>([^<]+)</a></th>\s*<td[^>]*data-status="(\w+)"', html)
    )
    assert statuses == {
        "Corona Opt-in": "in_force",
        "Uitgezet": "switched_off",
        "Later": "not_started",
        "Voorbij": "ended",
    }
    for text in (
        "In werking",
        "Niet in werking: uitgezet",
        "Niet in werking: nog niet begonnen",
        "Niet in werking: beëindigd",
        "(Vermoeden van) COVID-19 vastgelegd bij de triage",  # the condition
        "Geen voorwaarde",
        "geen einde",
        'href="/beleid/nieuw/"',
    ):
        assert text in html, text


# --- A new policy ------------------------------------------------------------------------


def test_a_new_policy_is_created_switched_off_with_its_history_and_ledger_event(administrator):
    response = administrator.post(
        "/beleid/nieuw/",
        {
            "name": "Toestemming ter plekke",
            "starts_at": "2027-01-01T00:00",
            "ends_at": "",
            "condition": "",
            "reason": "Wet van 1 januari 2027",
        },
    )
    policy = Policy.objects.get(name="Toestemming ter plekke")
    assert response.status_code == 302 and response["Location"] == f"/beleid/{policy.pk}/"
    assert (policy.is_on, policy.starts_at, policy.ends_at, policy.condition) == (
        False,
        local("2027-01-01T00:00"),
        None,
        "",
    )
    (change,) = PolicyChange.objects.all()
    settings = {
        "name": "Toestemming ter plekke",
        "on": False,
        "starts_at": "2026-12-31T23:00:00+00:00",
        "ends_at": None,
        "condition": "",
    }
    assert (change.kind, change.before, change.after, change.reason) == (
        "created",
        {},
        settings,
        "Wet van 1 januari 2027",
    )
    assert (change.changed_by_username, change.changed_by_name) == ("beheer", "Anna Visser")
    (event,) = ledger()
    assert (event.action, event.user_username, event.organisation_name) == (
        Action.CREATE,
        "beheer",
        "HAP Stad",
    )
    assert event.detail == {
        "policy": "Toestemming ter plekke",
        "change": change.pk,
        "after": settings,
        "reason": "Wet van 1 januari 2027",
    }
    page = administrator.get(response["Location"]).content.decode()
    assert "De regeling is aangemaakt; ze staat uit." in page


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"reason": ""}, "Geef de reden van deze wijziging"),
        ({"reason": "   "}, "Geef de reden van deze wijziging"),
        ({"name": ""}, "Vul „Naam” in."),
        ({"name": "corona opt-in"}, "Er bestaat al een regeling met deze naam."),
        ({"starts_at": ""}, "Vul „Geldig vanaf” in."),
        ({"starts_at": "morgen"}, "„Geldig vanaf” is geen datum en tijd."),
        ({"ends_at": "2026-12-31T23:59"}, "„Geldig tot” moet later zijn dan „Geldig vanaf”."),
        ({"ends_at": "2027-01-01T00:00"}, "„Geldig tot” moet later zijn dan „Geldig vanaf”."),
        ({"condition": "everyone"}, "Selecteer een geldige keuze."),
    ],
)
def test_a_new_policy_with_a_bad_field_names_it_and_writes_nothing(
    administrator, opt_in, changes, error
):
    before = snapshot(opt_in)
    data = {
        "name": "Nieuw",
        "starts_at": "2027-01-01T00:00",
        "ends_at": "",
        "condition": "",
        "reason": "Wet",
        **changes,
    }
    response = administrator.post("/beleid/nieuw/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Policy.objects.count() == 1 and nothing_written(opt_in, before)


# --- The period ------------------------------------------------------------------------------


def test_a_new_end_is_kept_in_the_history_and_the_ledger_and_the_start_stays_as_it_was(
    administrator, opt_in
):
    start = timezone.localtime(opt_in.starts_at)
    response = administrator.post(
        f"/beleid/{opt_in.pk}/periode/",
        {
            # The page sends the start back as the picker shows it: to the minute.
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": "2027-04-01T00:00",
            "reason": "Stopknop per 1 april",
        },
    )
    assert response.status_code == 302
    opt_in.refresh_from_db()
    assert opt_in.ends_at == local("2027-04-01T00:00")
    assert opt_in.starts_at == start  # its seconds too: not a change
    (change,) = PolicyChange.objects.all()
    assert (change.kind, change.before, change.after) == (
        "period_changed",
        {"ends_at": None},
        {"ends_at": "2027-03-31T22:00:00+00:00"},
    )
    (event,) = ledger()
    assert event.action == Action.UPDATE
    assert event.detail == {
        "policy": "Corona Opt-in",
        "change": change.pk,
        "before": {"ends_at": None},
        "after": {"ends_at": "2027-03-31T22:00:00+00:00"},
        "reason": "Stopknop per 1 april",
    }


@pytest.mark.parametrize(
    "data, field, error",
    [
        (
            {"starts_at": "2027-04-01T00:00", "ends_at": "2027-03-01T00:00"},
            "period_ends_at",
            "„Geldig tot” moet later zijn dan „Geldig vanaf”.",
        ),
        (
            {"starts_at": "2027-04-01T00:00", "ends_at": "2027-04-01T00:00"},
            "period_ends_at",
            "„Geldig tot” moet later zijn dan „Geldig vanaf”.",
        ),
        ({"starts_at": "", "ends_at": ""}, "period_starts_at", "Vul „Geldig vanaf” in."),
        (
            {"starts_at": "2027-04-01T00:00", "ends_at": "1 mei"},
            "period_ends_at",
            "„Geldig tot (optioneel)” is geen datum en tijd.",
        ),
    ],
)
def test_bad_dates_name_the_field_and_write_nothing(administrator, opt_in, data, field, error):
    before = snapshot(opt_in)
    response = administrator.post(f"/beleid/{opt_in.pk}/periode/", {**data, "reason": "r"})
    assert response.status_code == 200
    html = response.content.decode()
    # The error is at the field, the field says so, and the summary above links to it.
    assert f'<p class="utrecht-form-field-error-message" id="{field}-error">{error}</p>' in html
    tag = input_tag(html, field)
    assert 'aria-invalid="true"' in tag and f'aria-describedby="{field}-error"' in tag
    assert " autofocus" in tag  # the cursor waits there
    assert f'<a class="utrecht-link" href="#{field}">{error}</a>' in html
    assert nothing_written(opt_in, before)


def test_a_period_change_without_a_reason_or_without_a_change_writes_nothing(administrator, opt_in):
    before = snapshot(opt_in)
    start = timezone.localtime(opt_in.starts_at).strftime("%Y-%m-%dT%H:%M")
    url = f"/beleid/{opt_in.pk}/periode/"
    missing = administrator.post(url, {"starts_at": start, "ends_at": "2027-04-01T00:00"})
    assert "Geef de reden van deze wijziging" in missing.content.decode()
    same = administrator.post(url, {"starts_at": start, "ends_at": "", "reason": "r"})
    assert "Er is niets gewijzigd" in same.content.decode()
    assert nothing_written(opt_in, before)


# --- Switching, with a reason and a confirmation step -------------------------------------


def test_switching_off_asks_for_a_reason_then_a_confirmation_then_switches(administrator, opt_in):
    url = f"/beleid/{opt_in.pk}/schakelen/"
    before = snapshot(opt_in)
    no_reason = administrator.post(url, {"to": "off", "reason": "", "review": "1"})
    html = no_reason.content.decode()
    assert no_reason.status_code == 200 and "Geef de reden van deze wijziging" in html
    assert "uitzetten?" not in html  # not the confirmation step
    # A POST that skips the review does not skip the reason either.
    administrator.post(url, {"to": "off", "reason": "", "confirm": "1"})
    assert nothing_written(opt_in, before)

    review = administrator.post(url, {"to": "off", "reason": "Stopknop", "review": "1"})
    html = review.content.decode()
    assert "„Corona Opt-in” uitzetten?" in html
    assert (
        "Vanaf het eerstvolgende verzoek kan geen HAP of SEH onder deze regeling de "
        "samenvatting openen van een patiënt zonder geregistreerde keuze." in html
    )
    assert re.search(r'<button[^>]*name="confirm"[^>]*autofocus>Uitzetten</button>', html)
    assert nothing_written(opt_in, before)  # not yet

    changed = administrator.post(url, {"to": "off", "reason": "Stopknop", "confirm": "1"})
    assert changed.status_code == 302
    opt_in.refresh_from_db()
    assert opt_in.is_on is False
    (change,) = PolicyChange.objects.all()
    assert (change.kind, change.before, change.after, change.reason) == (
        "switched_off",
        {"on": True},
        {"on": False},
        "Stopknop",
    )
    (event,) = ledger()
    assert (event.action, event.user_username, event.detail) == (
        Action.UPDATE,
        "beheer",
        {"policy": "Corona Opt-in", "on": False, "reason": "Stopknop", "change": change.pk},
    )
    page = administrator.get(changed["Location"]).content.decode()
    assert "De regeling staat uit." in page and 'data-status="switched_off"' in page


def test_change_on_the_confirmation_goes_back_with_the_reason_kept(administrator, opt_in):
    back = administrator.post(
        f"/beleid/{opt_in.pk}/schakelen/", {"to": "off", "reason": "Stopknop", "change": "1"}
    )
    assert re.search(r"<textarea[^>]*autofocus[^>]*>\s*Stopknop</textarea>", back.content.decode())
    assert nothing_written(opt_in, snapshot(opt_in))


def test_switching_on_says_the_opposite_and_what_the_dates_still_hold_back(administrator):
    policy = Policy.objects.create(
        name="Later", is_on=False, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    html = administrator.post(
        f"/beleid/{policy.pk}/schakelen/", {"to": "on", "reason": "Wet", "review": "1"}
    ).content.decode()
    assert "„Later” aanzetten?" in html
    assert "Vanaf het eerstvolgende verzoek kunnen medewerkers van een HAP of SEH" in html
    assert "tot dan verandert aanzetten niets" in html
    administrator.post(
        f"/beleid/{policy.pk}/schakelen/", {"to": "on", "reason": "Wet", "confirm": "1"}
    )
    policy.refresh_from_db()
    assert policy.is_on and PolicyChange.objects.get().kind == "switched_on"


def test_a_switch_from_a_page_left_open_does_not_switch_back(administrator, opt_in):
    """Someone else already pressed the stop button: a second "off" changes nothing."""
    policy_switch(policy=opt_in, on=False, actor=ADMIN, reason="al gedaan")
    before = snapshot(opt_in)
    response = administrator.post(
        f"/beleid/{opt_in.pk}/schakelen/", {"to": "off", "reason": "ook", "confirm": "1"}
    )
    assert "De regeling staat al uit." in response.content.decode()
    assert snapshot(opt_in) == before
    assert PolicyChange.objects.count() == 1 and len(ledger()) == 1


# --- The history -------------------------------------------------------------------------------


def test_the_page_shows_every_change_newest_first(administrator):
    policy = policy_create(
        name="Corona Opt-in",
        starts_at=local("2020-03-01T00:00"),
        ends_at=None,
        condition="suspected_covid",
        reason="Kamerbrief december 2020",
        actor=ADMIN,
    )
    policy_switch(policy=policy, on=True, actor=ADMIN, reason="Aan na de kamerbrief")
    policy_update(
        policy=policy,
        starts_at=policy.starts_at,
        ends_at=local("2023-04-01T00:00"),
        reason="Stopknop 1 april 2023",
        actor=ADMIN,
    )
    html = administrator.get(f"/beleid/{policy.pk}/").content.decode()
    table = html[html.index('data-testid="history"') :]
    rows = re.findall(r"<tr class=\"utrecht-table__row\">(.*?)</tr>", table, re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    assert [c[1] for c in cells] == ["Periode gewijzigd", "Aangezet", "Aangemaakt"]
    assert [c[4] for c in cells] == [
        "Stopknop 1 april 2023",
        "Aan na de kamerbrief",
        "Kamerbrief december 2020",
    ]
    assert "Geldig tot: geen einde → 1 april 2023 00:00" in cells[0][2]
    assert cells[1][2].count("<li>") == 1 and "Aan of uit: uit → aan" in cells[1][2]
    assert "Geldig vanaf: 1 maart 2020 00:00" in cells[2][2]
    assert all(c[3] == "Anna Visser, HAP Stad" for c in cells)
    # Each change is also in the ledger, whose chain holds (nested before/after included).
    assert [e.detail["change"] for e in ledger()] == list(
        PolicyChange.objects.order_by("id").values_list("id", flat=True)
    )
    assert ledger_verify().intact


@pytest.mark.django_db(transaction=True)  # committed, as TRUNCATE needs
def test_the_history_is_never_changed_or_removed(opt_in):
    policy_switch(policy=opt_in, on=False, actor=ADMIN, reason="Stopknop")
    for sql in (
        "UPDATE consent_policychange SET reason = 'iets anders'",
        "DELETE FROM consent_policychange",
        "TRUNCATE consent_policychange CASCADE",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert PolicyChange.objects.get().reason == "Stopknop"


def test_the_admin_shows_policies_but_changes_them_nowhere(rf, opt_in):
    """The page is the one way to change a policy: no second path without the history,
    the ledger or the cache."""
    policy_admin = admin.site._registry[Policy]
    request = rf.get("/admin/consent/policy/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert policy_admin.has_view_permission(request, opt_in)
    assert not policy_admin.has_add_permission(request)
    assert not policy_admin.has_change_permission(request, opt_in)
    assert not policy_admin.has_delete_permission(request, opt_in)
    assert policy_admin.get_actions(request) == {}


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.DOCTOR, Role.SUPERVISOR, Role.GP])
def test_other_roles_are_refused_and_see_no_link(role, opt_in):
    kind = Organisation.Kind.GP_PRACTICE if role == Role.GP else Organisation.Kind.HAP
    client = signed_in(role, "iemand", kind=kind)
    before = snapshot(opt_in)
    assert client.get("/beleid/").status_code == 403
    assert client.get(f"/beleid/{opt_in.pk}/").status_code == 403
    assert client.get("/beleid/nieuw/").status_code == 403
    switch = {"to": "off", "reason": "x", "confirm": "1"}
    assert client.post(f"/beleid/{opt_in.pk}/schakelen/", switch).status_code == 403
    period = {"starts_at": "2027-01-01T00:00", "ends_at": "", "reason": "x"}
    assert client.post(f"/beleid/{opt_in.pk}/periode/", period).status_code == 403
    assert nothing_written(opt_in, before)
    assert len(ledger(EventType.ACCESS_DENIED)) == 5
    assert 'href="/beleid/"' not in client.get("/").content.decode()


def test_the_home_page_links_the_administrator_to_the_policies(administrator):
    home = administrator.get("/").content.decode()
    assert re.search(r'<a href="/beleid/" autofocus>Regelingen[^<]*beheren</a>', home)


def test_an_unknown_policy_is_not_found(administrator):
    assert administrator.get("/beleid/999999/").status_code == 404


# --- The stop button acts on the very next request ----------------------------------------------


def test_policies_read_after_a_change_are_fresh_even_after_a_late_write_of_old_ones(
    opt_in, django_capture_on_commit_callbacks
):
    """A request that read the policies just before the change committed may write them to
    the cache after the change dropped it: the cache must not serve them after that."""
    now = timezone.now()
    version = cache.get(selectors.POLICIES_VERSION_KEY)
    read_before = list(Policy.objects.order_by("name"))  # the slow request's read
    with django_capture_on_commit_callbacks(execute=True):
        policy_switch(policy=opt_in, on=False, actor=ADMIN, reason="Stopknop")
    cache.set(selectors.POLICIES_CACHE_KEY, (version, read_before), timeout=60)  # its write
    assert [p.in_force for p in policies_at(now)] == [False]


@pytest.mark.django_db(transaction=True)
def test_switching_the_corona_opt_in_off_on_the_page_makes_a_blank_summary_unavailable_at_once(
    patients, corona_opt_in
):
    """Done when (issue 13): a blank patient's summary is available under the Corona Opt-in;
    the administrator switches the Opt-in off on the page; the very next triage request for
    that patient says it is unavailable. Committed for real: the cache is dropped after the
    commit, as in production."""
    nurse = signed_in(Role.TRIAGE, "sanne")
    found = nurse.post("/triage/", {"bsn": BLANK, "birth_date": BIRTH.isoformat()})
    answered = nurse.post(found["Location"], {"answer": "agrees", "suspected_covid": "on"})
    summary_url = answered["Location"]
    shown = nurse.get(summary_url)
    assert shown.status_code == 200 and "Jan Visser" in shown.content.decode()

    administrator = signed_in(Role.ADMIN, "beheer")
    url = f"/beleid/{corona_opt_in.pk}/schakelen/"
    review = administrator.post(url, {"to": "off", "reason": "Stopknop", "review": "1"})
    assert "kan geen HAP of SEH" in review.content.decode()
    assert nurse.get(summary_url).status_code == 200  # not before the confirmation
    administrator.post(url, {"to": "off", "reason": "Stopknop", "confirm": "1"})

    refused = nurse.get(summary_url)
    html = refused.content.decode()
    assert refused.status_code == 403 and "Jan Visser" not in html
    assert 'data-reason="no_policy_in_force"' in html
    denied = ledger(EventType.ACCESS_DENIED)[-1]
    assert (denied.patient_bsn, denied.detail["reason"]) == (BLANK, "no_policy_in_force")


# --- Two administrators at the same moment -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_administrators_creating_the_same_name_at_once_get_one_policy_and_a_clear_error():
    """The second creation waits for the first (the names lock) and then finds the name
    taken: a message on the name field, not a 500 from the unique index, and no second
    policy under another spelling."""
    from consent.services import POLICY_NAMES_LOCK_KEY
    from tests.waiting import in_a_thread, until_a_lock_is_waited_for

    start = timezone.now() + dt.timedelta(days=1)

    def create(name: str) -> Policy:
        return policy_create(
            name=name, starts_at=start, ends_at=None, condition="", reason="Wet", actor=ADMIN
        )

    with transaction.atomic():
        first = create("Opt-in 2027")
        second, done = in_a_thread(lambda: create("opt-in 2027"))
        assert until_a_lock_is_waited_for(POLICY_NAMES_LOCK_KEY), "the second did not wait"
    second.join(timeout=10)
    error = done.get("error")
    assert isinstance(error, ValidationError), done
    assert error.message_dict == {"name": [gettext("A policy with this name exists already.")]}
    assert list(Policy.objects.values_list("pk", flat=True)) == [first.pk]
    assert PolicyChange.objects.count() == 1 and len(ledger()) == 1
