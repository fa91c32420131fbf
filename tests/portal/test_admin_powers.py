"""What an administrator cannot do: read second factors, set passwords, grant themselves
roles, hold a clinical role; and what they do that others see (the ledger, the alerts)."""

import pytest
from allauth.mfa.models import Authenticator

from audit.models import AccessEvent, EventType
from portal.access import Permission, membership_allows
from portal.models import Membership, Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def administrator():
    membership = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    enrol_totp(membership.user)
    return membership


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator.user)
    return client


def reads(model: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(event_type=EventType.ADMIN_READ, detail__model=model))


def test_second_factor_secrets_are_not_shown_and_reading_them_is_logged(admin_client):
    nurse = MembershipFactory(user__username="sanne").user
    secret = enrol_totp(nurse)
    authenticator = Authenticator.objects.get(user=nurse)
    stored = authenticator.data["secret"]  # what allauth keeps (encrypted or not)
    for url in (
        "/admin/mfa/authenticator/",
        f"/admin/mfa/authenticator/{authenticator.pk}/change/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert secret not in html and stored not in html
        assert "sanne" in html
    assert len(reads("mfa.authenticator")) == 2
    assert reads("mfa.authenticator")[1].detail["object_id"] == str(authenticator.pk)
    # Not editable either: a changed secret would be a second factor the admin knows.
    admin_client.post(
        f"/admin/mfa/authenticator/{authenticator.pk}/change/", {"data": '{"secret": "X"}'}
    )
    authenticator.refresh_from_db()
    assert authenticator.data["secret"] == stored


def test_the_admin_sets_no_one_elses_password(admin_client):
    nurse = MembershipFactory(user__username="sanne").user
    url = f"/admin/portal/user/{nurse.pk}/password/"
    assert admin_client.get(url).status_code == 403
    response = admin_client.post(
        url, {"password1": "a-new-password-1", "password2": "a-new-password-1"}
    )
    assert response.status_code == 403
    nurse.refresh_from_db()
    assert nurse.check_password(PASSWORD)
    change_page = admin_client.get(f"/admin/portal/user/{nurse.pk}/change/").content.decode()
    assert "/password/" not in change_page
    assert reads("portal.user")[-1].detail["object_id"] == str(nurse.pk)


def test_the_admin_cannot_give_itself_a_role(admin_client, administrator):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP)
    response = admin_client.post(
        "/admin/portal/membership/add/",
        {
            "user": administrator.user.pk,
            "organisation": hap.pk,
            "role": "supervisor",
            "uzi_role_code": "00.000",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "U kunt uzelf geen rol geven." in response.content.decode()
    assert not Membership.objects.filter(user=administrator.user, organisation=hap).exists()
    # Nor change their own membership, nor their own rights.
    own = f"/admin/portal/membership/{administrator.pk}/change/"
    admin_client.post(
        own,
        {
            "user": administrator.user.pk,
            "organisation": administrator.organisation.pk,
            "role": "triage",
            "uzi_role_code": "30.000",
            "is_active": "on",
        },
    )
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMIN


def test_an_account_with_admin_rights_cannot_be_given_a_clinical_role(admin_client):
    colleague = UserFactory(username="tweede-beheerder", is_staff=True)
    hap = OrganisationFactory(kind=Organisation.Kind.HAP)
    response = admin_client.post(
        "/admin/portal/membership/add/",
        {
            "user": colleague.pk,
            "organisation": hap.pk,
            "role": "triage",
            "uzi_role_code": "30.000",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "kan geen klinische rol hebben" in response.content.decode()
    assert not Membership.objects.filter(user=colleague).exists()


def test_a_clinical_role_held_by_an_admin_account_grants_nothing(client):
    # An older row, or one written around the admin: the access rule still refuses.
    membership = MembershipFactory(user__is_staff=True, role=Role.TRIAGE)
    assert not membership_allows(membership, Permission.VIEW_SUMMARY)
    enrol_totp(membership.user)
    client.force_login(membership.user)
    assert client.get("/triage/").status_code == 403
    membership.user.is_staff = False
    membership.user.save()
    assert client.get("/triage/").status_code == 200


def test_reading_the_ledger_in_the_admin_is_in_the_ledger(admin_client):
    page = admin_client.get("/admin/audit/accessevent/?q=999911120")
    assert page.status_code == 200
    (read,) = reads("audit.accessevent")
    assert read.user_username == "beheer"
    assert read.action == "R"
    assert read.detail["query"] == "q=999911120"


def test_granting_a_clinical_role_is_an_event_and_an_alert_for_that_organisation(admin_client):
    from audit.models import MisuseAlert

    nurse = UserFactory(username="sanne")
    seh = OrganisationFactory(kind=Organisation.Kind.SEH, ura="90000777", name="SEH Noord")
    response = admin_client.post(
        "/admin/portal/membership/add/",
        {
            "user": nurse.pk,
            "organisation": seh.pk,
            "role": "triage",
            "uzi_role_code": "30.000",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    granted = AccessEvent.objects.get(event_type=EventType.ROLE_GRANTED)
    assert granted.user_username == "beheer"
    assert (granted.detail["username"], granted.detail["role"]) == ("sanne", "triage")
    assert granted.detail["organisation_ura"] == "90000777"
    alert = MisuseAlert.objects.get(kind=MisuseAlert.Kind.ROLE_GRANTED)
    # Seen at the SEH, where the role reads patient data, not at the admin's own post.
    assert (alert.organisation_ura, alert.username, alert.hits) == ("90000777", "beheer", 1)

    # Switching it off and on again is a grant again; a non-clinical role is not.
    membership = Membership.objects.get(user=nurse)
    url = f"/admin/portal/membership/{membership.pk}/change/"
    fields = {"user": nurse.pk, "organisation": seh.pk, "uzi_role_code": "30.000"}
    admin_client.post(url, {**fields, "role": "triage"})  # is_active off
    admin_client.post(url, {**fields, "role": "triage", "is_active": "on"})
    admin_client.post(url, {**fields, "role": "supervisor", "is_active": "on"})
    assert AccessEvent.objects.filter(event_type=EventType.ROLE_GRANTED).count() == 2
    alert.refresh_from_db()
    assert alert.hits == 2


def test_the_ledger_in_the_admin_shows_dutch_time_and_says_so(admin_client):
    import datetime as dt

    from django.utils import formats, timezone, translation

    from audit import events
    from audit.actors import Actor

    at = dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)  # summer: 12:30 in Amsterdam
    events.ledger_verified(actor=Actor.system("test"), checked=0, head_seq=0)
    from django.db import connection

    with connection.cursor() as cursor:  # its time set, in this test's transaction only
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_accessevent SET occurred_at = %s", [at])
    page = admin_client.get("/admin/audit/accessevent/").content.decode()
    assert "Nederlandse tijd" in page and "UTC" not in page
    with translation.override("nl"):
        shown = formats.date_format(timezone.localtime(at), "DATETIME_FORMAT")
    assert shown in page and "12:30" in shown
