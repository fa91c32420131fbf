"""Organisations, staff, memberships and roles: managed by admins only, every change logged."""

import pytest
from django.contrib import admin

from audit.models import AccessEvent, EventType
from portal.admin_ledger import LedgeredAdminMixin
from portal.models import Membership, Organisation, Role
from tests.factories import MembershipFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    membership = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return client


def test_every_model_admin_writes_to_the_ledger():
    plain = [
        m._meta.label
        for m, a in admin.site._registry.items()
        if not isinstance(a, LedgeredAdminMixin)
    ]
    assert plain == []


def test_adding_an_organisation_in_the_admin_is_an_access_event(admin_client):
    response = admin_client.post(
        "/admin/portal/organisation/add/",
        {
            "kind": "seh",
            "name": "SEH Noord",
            "ura": "90001234",
            "agb": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    organisation = Organisation.objects.get(ura="90001234")
    event = AccessEvent.objects.get(event_type=EventType.ADMIN_CHANGE)
    assert (event.action, event.user_username, event.user_portal_role) == ("C", "beheer", "admin")
    assert event.detail["model"] == "portal.organisation"
    assert event.detail["object_id"] == str(organisation.pk)


def test_changing_a_role_and_deleting_a_membership_are_logged(admin_client):
    membership = MembershipFactory(role=Role.TRIAGE)
    url = f"/admin/portal/membership/{membership.pk}/change/"
    response = admin_client.post(
        url,
        {
            "user": membership.user.pk,
            "organisation": membership.organisation.pk,
            "role": "doctor",
            "uzi_role_code": "01.000",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    change = AccessEvent.objects.get(event_type=EventType.ADMIN_CHANGE, action="U")
    assert change.detail["change"] == [{"changed": {"fields": ["Portal role", "UZI role code"]}}]

    admin_client.post(f"/admin/portal/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    deletion = AccessEvent.objects.get(event_type=EventType.ADMIN_CHANGE, action="D")
    assert deletion.detail["object_id"] == str(membership.pk)


def test_staff_without_admin_rights_cannot_open_the_admin(client):
    nurse = MembershipFactory(role=Role.TRIAGE)
    enrol_totp(nurse.user)
    client.force_login(nurse.user)
    response = client.get("/admin/portal/organisation/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
