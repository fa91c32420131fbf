"""Each monitoring rule: a case that raises its alert, and one that must not."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.actors import Actor
from audit.models import ConsentBasis, MisuseAlert
from portal.models import Organisation
from summaries.fhir.model import GpInfo, PatientInfo, ProfessionalSummary
from summaries.models import GpPractice, Summary
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.oversight.test_monitoring import (
    HAP,
    PIET,
    SANNE,
    START,
    alerts,
    bsn,
    emergency,
    event_ids,
    failed_search,
    scan,
    view,
)

pytestmark = pytest.mark.django_db

Kind = MisuseAlert.Kind
MINUTE = dt.timedelta(minutes=1)


def colleague(n: int, organisation: dict = HAP) -> Actor:
    return Actor(username=f"colleague{n}", name=f"Collega {n}", **organisation)


# --- Many different patients in an hour ---------------------------------------------------


def test_view_volume_raises_for_fifteen_patients_within_an_hour():
    views = [view(PIET, bsn(i), START + i * 4 * MINUTE) for i in range(15)]  # 56 minutes
    scan()
    (alert,) = alerts(Kind.VIEW_VOLUME)
    assert (alert.username, alert.hits, event_ids(alert)) == ("piet", 15, [v.pk for v in views])
    assert alert.detail == {"most_patients_in_an_hour": 15, "limit": 15}


def test_view_volume_counts_patients_not_views_nor_patients_spread_over_hours():
    for i in range(14):  # 14 patients, each opened twice within the hour
        view(PIET, bsn(i), START + i * MINUTE)
        view(PIET, bsn(i), START + (20 + i) * MINUTE)
    for i in range(15):  # 15 patients over three hours: 5 an hour
        view(SANNE, bsn(100 + i), START + i * 12 * MINUTE)
    scan()
    assert alerts(Kind.VIEW_VOLUME) == []


# --- Fishing ----------------------------------------------------------------------------


def test_fishing_raises_for_twenty_failed_searches_within_a_shift():
    # One every 20 minutes: never near the throttle's ten an hour.
    searches = [failed_search(SANNE, bsn(i), START + i * 20 * MINUTE) for i in range(20)]
    scan()
    (alert,) = alerts(Kind.FISHING_SEARCHES)
    assert event_ids(alert) == [s.pk for s in searches]
    assert alert.detail["most_failed_searches"] == 20


def test_fishing_is_quiet_for_nineteen_failed_searches_within_a_shift():
    for i in range(19):
        failed_search(SANNE, bsn(i), START + i * 20 * MINUTE)
    # The twentieth, but the first one is then more than eight hours ago.
    failed_search(SANNE, bsn(99), START + 8 * 60 * MINUTE + MINUTE)
    scan()
    assert alerts(Kind.FISHING_SEARCHES) == []


def test_bsn_retried_raises_for_one_bsn_failing_three_times_within_an_hour():
    tries = [failed_search(SANNE, bsn(1), START + i * 10 * MINUTE) for i in range(3)]
    failed_search(SANNE, bsn(2), START)  # another patient: not behind it
    scan()
    (alert,) = alerts(Kind.BSN_RETRIED)
    assert event_ids(alert) == [t.pk for t in tries]
    assert alert.detail == {"patients": [bsn(1)], "most_tries": 3, "limit": 3, "minutes": 60}


def test_bsn_retried_is_quiet_for_different_bsns_or_tries_hours_apart():
    for i in range(3):
        failed_search(SANNE, bsn(i), START + i * MINUTE)  # three patients, once each
        failed_search(PIET, bsn(9), START + i * 40 * MINUTE)  # 0, 40, 80 minutes
    scan()
    assert alerts(Kind.BSN_RETRIED) == []


# --- Usual hours --------------------------------------------------------------------------


def _day_shifts(actor: Actor, days: int) -> None:
    """Views from 09:00 to 16:00 (Dutch time) on `days` days before START's day."""
    for day in range(1, days + 1):
        morning = START.replace(hour=9) - dt.timedelta(days=day)
        for hour in range(8):
            view(actor, bsn(day), morning + dt.timedelta(hours=hour))


def test_unusual_hours_raises_for_a_view_at_night_after_weeks_of_day_shifts():
    _day_shifts(SANNE, 10)
    night = view(SANNE, bsn(50), START.replace(hour=3))
    view(SANNE, bsn(51), START.replace(hour=17, minute=30))  # next to 16:00: usual
    scan()
    (alert,) = alerts(Kind.UNUSUAL_HOURS)
    assert event_ids(alert) == [night.pk]
    assert alert.detail == {
        "hours": [3],
        "usual_hours": list(range(9, 17)),
        "days_learned_from": 10,
    }


def test_unusual_hours_is_quiet_at_usual_hours_and_without_enough_history():
    _day_shifts(SANNE, 10)
    view(SANNE, bsn(50), START.replace(hour=11))
    _day_shifts(PIET, 9)  # nine days: not enough to judge
    view(PIET, bsn(51), START.replace(hour=3))
    scan()
    assert alerts(Kind.UNUSUAL_HOURS) == []


def test_unusual_hours_learns_across_scans():
    _day_shifts(SANNE, 10)
    scan()
    night = view(SANNE, bsn(50), START.replace(hour=2))
    scan()
    (alert,) = alerts(Kind.UNUSUAL_HOURS)
    assert event_ids(alert) == [night.pk]


# --- Emergency access, blank patients under a policy ---------------------------------------


def test_emergency_access_raises_for_every_one_granted_or_refused():
    granted = emergency(SANNE, bsn(1), START)
    refused = emergency(SANNE, bsn(2), START + MINUTE, refused=True)
    scan()
    (alert,) = alerts(Kind.EMERGENCY_ACCESS)
    assert event_ids(alert) == [granted.pk, refused.pk]
    assert (alert.detail["emergency_accesses"], alert.detail["refused"]) == (2, 1)


def test_emergency_access_is_quiet_for_views_with_registered_consent():
    view(SANNE, bsn(1), START, ConsentBasis.REGISTERED_CONSENT)
    view(SANNE, bsn(2), START, ConsentBasis.REGISTERED_CONSENT_UNCONFIRMED)
    scan()
    assert alerts(Kind.EMERGENCY_ACCESS) == []


def test_blank_under_policy_raises_for_every_view_on_the_spot_under_a_policy():
    shown = view(PIET, bsn(1), START, ConsentBasis.ON_THE_SPOT_CONSENT, "Corona Opt-in")
    scan()
    (alert,) = alerts(Kind.BLANK_UNDER_POLICY)
    assert event_ids(alert) == [shown.pk]
    assert alert.detail == {"views": 1, "policies": ["Corona Opt-in"], "patients": [bsn(1)]}


def test_blank_under_policy_is_quiet_for_registered_consent_and_emergency_access():
    view(PIET, bsn(1), START, ConsentBasis.REGISTERED_CONSENT)
    view(PIET, bsn(2), START, ConsentBasis.EMERGENCY_ACCESS, "Corona Opt-in")
    scan()
    assert alerts(Kind.BLANK_UNDER_POLICY) == []


# --- A relative or a neighbour ------------------------------------------------------------


@pytest.fixture
def hap():
    return OrganisationFactory(kind=Organisation.Kind.HAP, ura="90000101", name="HAP Stad")


def staff(hap, username: str, last_name: str, postal_code: str = "") -> Actor:
    user = UserFactory(username=username, first_name="Sanne", last_name=last_name)
    membership = MembershipFactory(user=user, organisation=hap, postal_code=postal_code)
    return Actor.for_membership(membership)


def patient(number: int, name: str, address: str) -> str:
    """A stored summary whose patient has this name and address, as the parser keeps them."""
    practice, _ = GpPractice.objects.get_or_create(
        agb="01100000", defaults={"name": "Praktijk", "fhir_base_url": "http://gp.example"}
    )
    sections = ProfessionalSummary(
        patient=PatientInfo(
            bsn=bsn(number), name=name, birth_date="1950-02-03", sex="female", address=address
        ),
        gp=GpInfo(),
    ).sections()
    Summary.objects.create(
        bsn=bsn(number),
        birth_date=dt.date(1950, 2, 3),
        practice=practice,
        source_version="v",
        fetched_at=START,
        sections=sections,
        source={},
        size_bytes=1,
    )
    return bsn(number)


def test_shared_name_or_address_raises_for_the_surname_and_for_the_postal_code(hap):
    sanne = staff(hap, "sanne", "de Vries", postal_code="3511AB")
    mother = patient(1, "Anna Jansen-de Vries", "Oudegracht 1, 3511 AB Utrecht")
    neighbour = patient(2, "Kees Bakker", "Oudegracht 3, 3511 ab Utrecht")
    stranger = patient(3, "Jan Visser", "Dorpsstraat 2, 1234 CD Ergens")
    seen = [view(sanne, p, START + i * MINUTE) for i, p in enumerate((mother, neighbour))]
    view(sanne, stranger, START)
    scan()
    (alert,) = alerts(Kind.SHARED_NAME_OR_ADDRESS)
    assert event_ids(alert) == [s.pk for s in seen]
    assert sorted(alert.detail["patients"], key=lambda p: p["bsn"]) == [
        {"bsn": mother, "matched": ["surname", "postal_code"]},
        {"bsn": neighbour, "matched": ["postal_code"]},
    ]


def test_shared_name_or_address_is_quiet_for_part_of_a_word_and_other_addresses(hap):
    piet = staff(hap, "piet", "Vries")  # no postal code registered
    view(piet, patient(1, "Jan Devries", "Oudegracht 1, 3511 AB Utrecht"), START)
    view(piet, patient(2, "Kees Bakker", ""), START)
    scan()
    assert alerts(Kind.SHARED_NAME_OR_ADDRESS) == []


def test_shared_name_or_address_counts_only_the_signals_in_force(hap, settings):
    settings.MONITORING_SHARED_SIGNALS = ["postal_code"]
    sanne = staff(hap, "sanne", "de Vries")
    view(sanne, patient(1, "Anna de Vries", "Oudegracht 1, 3511 AB Utrecht"), START)
    scan()
    assert alerts(Kind.SHARED_NAME_OR_ADDRESS) == []


# --- One patient, many colleagues -----------------------------------------------------------


def test_patient_many_users_raises_for_each_of_five_colleagues_within_an_hour():
    views = {n: view(colleague(n), bsn(1), START + n * 10 * MINUTE) for n in range(5)}
    view(colleague(0), bsn(2), START)  # another patient: not behind it
    scan()
    found = alerts(Kind.PATIENT_MANY_USERS)
    assert [(a.username, event_ids(a)) for a in found] == [
        (f"colleague{n}", [views[n].pk]) for n in range(5)
    ]
    assert found[0].detail == {"patients": [bsn(1)], "most_users": 5, "limit": 5, "minutes": 60}


def test_patient_many_users_is_quiet_across_organisations_and_for_one_user_many_times():
    seh = dict(organisation_ura="90000202", organisation_name="SEH Noord")
    for n in range(4):
        view(colleague(n), bsn(1), START + n * MINUTE)
    view(colleague(4, seh), bsn(1), START + 5 * MINUTE)  # the fifth works elsewhere
    for n in range(6):
        view(PIET, bsn(2), START + n * MINUTE)
    scan()
    assert alerts(Kind.PATIENT_MANY_USERS) == []
