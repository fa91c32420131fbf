"""Roles per organisation, in one place (portal.access): deny by default."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from audit.models import AccessEvent, EventType
from portal.access import (
    Permission,
    _active_memberships,
    _active_memberships_orm,
    membership_allows,
    requires,
)
from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp

pytestmark = pytest.mark.django_db

HAP, SEH, GP = Organisation.Kind.HAP, Organisation.Kind.SEH, Organisation.Kind.GP_PRACTICE
EXPECTED = {
    # (role, kind): permissions
    (Role.TRIAGE, HAP): {Permission.VIEW_SUMMARY},
    (Role.TRIAGE, SEH): {Permission.VIEW_SUMMARY},
    (Role.DOCTOR, HAP): {Permission.VIEW_SUMMARY},
    (Role.DOCTOR, SEH): {Permission.VIEW_SUMMARY},
    (Role.SUPERVISOR, HAP): {Permission.VIEW_AUDIT},
    (Role.SUPERVISOR, SEH): {Permission.VIEW_AUDIT},
    (Role.GP, GP): {Permission.MANAGE_CONSENT},
    (Role.ADMIN, HAP): {Permission.ADMINISTER},
    (Role.ADMIN, GP): {Permission.ADMINISTER},
    # A role at a kind of organisation where it does not belong grants nothing.
    (Role.TRIAGE, GP): set(),
    (Role.GP, HAP): set(),
    (Role.SUPERVISOR, GP): set(),
}


@pytest.mark.parametrize(("role_kind", "expected"), EXPECTED.items())
def test_each_role_has_exactly_its_permissions(role_kind, expected):
    role, kind = role_kind
    membership = MembershipFactory(role=role, organisation=OrganisationFactory(kind=kind))
    assert {p for p in Permission if membership_allows(membership, p)} == expected


def test_nothing_is_allowed_without_a_membership_or_when_it_is_inactive():
    assert not any(membership_allows(None, p) for p in Permission)
    membership = MembershipFactory(is_active=False)
    assert not membership_allows(membership, Permission.VIEW_SUMMARY)


def test_a_view_that_requires_a_permission_refuses_everyone_else():
    @requires(Permission.VIEW_SUMMARY)
    def summary_view(request):
        return HttpResponse("summary")

    factory = RequestFactory()
    nurse = MembershipFactory(role=Role.TRIAGE)
    admin = MembershipFactory(role=Role.ADMIN)

    def call(membership):
        request = factory.get("/")
        request.user = membership.user
        request.session = {"active_membership_id": membership.pk}
        return summary_view(request)

    assert call(nurse).content == b"summary"
    with pytest.raises(PermissionDenied):
        call(admin)  # the administrator manages accounts, never summaries
    denied = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert (denied.user_portal_role, denied.outcome) == ("admin", 4)


def test_a_user_with_several_organisations_chooses_one_and_only_their_own(client):
    hap = MembershipFactory(user__username="sanne", organisation__name="HAP Noord")
    seh = MembershipFactory(
        user=hap.user, organisation__name="SEH Zuid", organisation__kind=Organisation.Kind.SEH
    )
    stranger = MembershipFactory(organisation__name="HAP Elders")
    enrol_totp(hap.user)
    client.force_login(hap.user)

    assert client.get("/")["Location"] == "/organisatie/"
    page = client.get("/organisatie/").content.decode()
    assert "HAP Noord" in page and "SEH Zuid" in page and "HAP Elders" not in page

    forged = client.post("/organisatie/", {"membership": stranger.pk})
    assert forged.status_code == 403
    denied = AccessEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert denied.user_username == "sanne"
    assert denied.detail == {
        "reason": f"membership {stranger.pk} is not one of the user's own",
        "path": "/organisatie/",
    }
    assert client.get("/")["Location"] == "/organisatie/"  # nothing chosen

    client.post("/organisatie/", {"membership": seh.pk})
    home = client.get("/").content.decode()
    assert "U werkt voor SEH Zuid" in home
    assert "HAP Elders" not in home


def _as_compared(memberships):
    return [
        (vars_of(m), vars_of(m.organisation))
        for m in memberships  # every column, both models
    ]


def vars_of(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_active_memberships_statement_reads_what_the_orm_reads():
    """portal.access._active_memberships (by hand, on every signed-in page) against the ORM
    query it replaces: only the user's own, only active ones, oldest first, with their
    organisations; nothing for a user without any."""
    nurse = MembershipFactory(postal_code="1234AB", uzi_role_code="30.015")
    MembershipFactory(
        user=nurse.user,
        organisation__kind=Organisation.Kind.SEH,
        organisation__agb="",
        role=Role.DOCTOR,
    )
    MembershipFactory(user=nurse.user, is_active=False)
    other = MembershipFactory()
    by_hand = _active_memberships(nurse.user.pk)
    assert _as_compared(by_hand) == _as_compared(_active_memberships_orm(nurse.user.pk))
    assert [m.organisation.kind for m in by_hand] == [Organisation.Kind.HAP, Organisation.Kind.SEH]
    assert _active_memberships(other.user.pk)[0].organisation == other.organisation
    assert _active_memberships(other.user.pk + 1000) == []
