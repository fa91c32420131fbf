"""Misuse alerts: one open alert per user, organisation and rule; seen only within the
organisation; never deleted."""

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import MisuseAlert
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db

NURSE = Actor(
    username="sanne",
    name="Sanne de Vries",
    organisation_ura="90000001",
    organisation_name="HAP Stad",
)
FAILED = MisuseAlert.Kind.FAILED_SEARCHES


def raise_alert(actor=NURSE, kind=FAILED, n=1, at=None):
    return misuse_alert_raise(kind=kind, actor=actor, detail={"n": n}, now=at or timezone.now())


def test_misuse_alert_raise_counts_later_hits_on_the_open_alert():
    start = timezone.now()
    for n in range(4):
        alert = raise_alert(n=n, at=start + dt.timedelta(minutes=n))
    alert = MisuseAlert.objects.get()
    assert (alert.hits, alert.detail) == (4, {"n": 3})
    assert (alert.first_seen_at, alert.last_seen_at) == (start, start + dt.timedelta(minutes=3))


def test_misuse_alert_raise_keeps_rules_and_organisations_apart():
    raise_alert()
    raise_alert(kind=MisuseAlert.Kind.SEARCH_VOLUME)
    raise_alert(kind="role_granted")  # as portal.services.membership_save calls it
    seh = Actor(username="sanne", name="Sanne de Vries", organisation_ura="90000002")
    raise_alert(actor=seh)
    assert MisuseAlert.objects.count() == 4
    assert set(MisuseAlert.objects.values_list("hits", flat=True)) == {1}


def test_misuse_alert_raise_after_review_opens_a_new_alert():
    first = raise_alert()
    raise_alert()
    MisuseAlert.objects.filter(pk=first.pk).update(reviewed=True)
    second = raise_alert()
    assert second.pk != first.pk and second.hits == 1
    first.refresh_from_db()
    assert (first.reviewed, first.hits) == (True, 2)  # the reviewed one stays as it was


def test_the_database_allows_one_open_alert_per_user_and_rule():
    raise_alert()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        MisuseAlert.objects.create(
            kind=FAILED,
            username=NURSE.username,
            user_name=NURSE.name,
            organisation_ura=NURSE.organisation_ura,
            first_seen_at=now,
            last_seen_at=now,
        )


def test_a_raw_sql_delete_of_an_alert_is_refused_by_the_database():
    raise_alert()
    with pytest.raises(DatabaseError, match="DELETE rejected"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_misusealert")
    assert MisuseAlert.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_misuse_alert_raise_at_once_from_many_requests_is_one_alert():
    """As when an administrator's grants come in at once: nothing holds a lock around them."""
    results, errors = [], []
    start = threading.Barrier(6)

    def one():
        try:
            start.wait()
            results.append(raise_alert().pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    alert = MisuseAlert.objects.get()
    assert alert.hits == 6 and set(results) == {alert.pk}


# --- the admin --------------------------------------------------------------------------


def admin_of(client, organisation=None):
    """An administrator acting for `organisation` (none: an account without a membership)."""
    user = UserFactory(is_staff=True, is_superuser=True)
    if organisation is not None:
        MembershipFactory(
            user=user, organisation=organisation, role=Role.ADMIN, uzi_role_code="00.000"
        )
    enrol_totp(user)
    client.force_login(user)
    return client


@pytest.fixture
def two_posts():
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    seh = OrganisationFactory(kind=Organisation.Kind.SEH, name="SEH Noord")
    for organisation, username in ((hap, "hap-nurse"), (seh, "seh-nurse")):
        raise_alert(
            actor=Actor(
                username=username,
                name=username,
                organisation_ura=organisation.ura,
                organisation_name=organisation.name,
            )
        )
    return hap, seh


def test_the_admin_lists_only_the_alerts_of_the_own_organisation(client, two_posts):
    hap, seh = two_posts
    page = admin_of(client, hap).get("/admin/audit/misusealert/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "hap-nurse" in html and "seh-nurse" not in html
    theirs = MisuseAlert.objects.get(username="seh-nurse")
    other = client.get(f"/admin/audit/misusealert/{theirs.pk}/change/")
    assert other.status_code == 302  # "does not exist", back to the list


def test_the_admin_without_an_organisation_lists_no_alerts(client, two_posts):
    page = admin_of(client).get("/admin/audit/misusealert/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "hap-nurse" not in html and "seh-nurse" not in html


def test_deleting_an_alert_in_the_admin_is_refused(client, two_posts):
    hap, _ = two_posts
    alert = MisuseAlert.objects.get(username="hap-nurse")
    admin_of(client, hap)
    response = client.post(f"/admin/audit/misusealert/{alert.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    client.post(
        "/admin/audit/misusealert/",
        {"action": "delete_selected", "_selected_action": [alert.pk], "post": "yes"},
    )
    assert MisuseAlert.objects.filter(pk=alert.pk).exists()


def test_the_admin_marks_an_alert_reviewed_and_then_it_stays(client, two_posts):
    hap, _ = two_posts
    alert = MisuseAlert.objects.get(username="hap-nurse")
    admin_of(client, hap)
    url = f"/admin/audit/misusealert/{alert.pk}/change/"
    assert client.post(url, {"reviewed": "on"}).status_code == 302
    alert.refresh_from_db()
    assert alert.reviewed
    client.post(url, {"reviewed": ""})
    alert.refresh_from_db()
    assert alert.reviewed  # a reviewed alert is read-only


def test_the_migration_merges_the_open_alerts_that_were_one_row_per_request():
    """consent/0005: before it, each refused request was an alert of its own."""
    import importlib

    class _Apps:
        """The migration asks for consent.MisuseAlert; the model (and its rows) moved to
        audit (audit/0006) with the same fields."""

        def get_model(self, app_label, model_name):
            return MisuseAlert

    migration = importlib.import_module(
        "consent.migrations.0005_registration_birth_date_one_open_alert"
    )
    start = timezone.now()
    with connection.cursor() as cursor:  # the rows as they were (rolled back with the test)
        cursor.execute("DROP INDEX misusealert_one_open_per_user_rule")
        cursor.execute("SET LOCAL session_replication_role = replica")  # let it delete
    for n, (username, kind, reviewed) in enumerate(
        [
            ("sanne", FAILED, False),
            ("sanne", FAILED, False),
            ("sanne", FAILED, True),
            ("sanne", FAILED, False),
            ("sanne", MisuseAlert.Kind.SEARCH_VOLUME, False),
            ("piet", FAILED, False),
        ]
    ):
        at = start + dt.timedelta(minutes=n)
        MisuseAlert.objects.create(
            kind=kind,
            username=username,
            user_name=username,
            organisation_ura="90000001",
            first_seen_at=at,
            last_seen_at=start + dt.timedelta(days=1),  # not there yet: the migration sets it
            detail={"n": n},
            reviewed=reviewed,
        )
    migration.merge_open_duplicates(_Apps(), None)
    found = sorted(
        MisuseAlert.objects.values_list(
            "username", "kind", "reviewed", "hits", "first_seen_at", "last_seen_at", "detail"
        )
    )
    minutes = [start + dt.timedelta(minutes=n) for n in range(6)]
    assert found == [
        ("piet", FAILED, False, 1, minutes[5], minutes[5], {"n": 5}),
        ("sanne", FAILED, False, 3, minutes[0], minutes[3], {"n": 3}),
        ("sanne", FAILED, True, 1, minutes[2], minutes[2], {"n": 2}),
        ("sanne", "search_volume", False, 1, minutes[4], minutes[4], {"n": 4}),
    ]


def test_truncating_the_alerts_is_refused_by_the_database():
    raise_alert()
    with pytest.raises(DatabaseError, match="TRUNCATE rejected"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_misusealert")
    assert MisuseAlert.objects.count() == 1
