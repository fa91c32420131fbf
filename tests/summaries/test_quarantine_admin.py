"""The quarantine in the admin: reopening an item cannot break "one open item per input"."""

import pytest
from django.utils.translation import gettext

from portal.models import Role
from summaries.models import GpPractice, QuarantinedItem
from summaries.services.quarantine import quarantine_page
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


@pytest.fixture
def practice():
    return GpPractice.objects.create(
        agb="01012345", ura="90000301", name="De Linde", fhir_base_url="http://gp.example/fhir"
    )


def change(admin_client, item, status):
    return admin_client.post(
        f"/admin/summaries/quarantineditem/{item.pk}/change/", {"status": status}
    )


def test_reopening_an_item_that_a_later_pull_quarantined_again_is_refused_on_the_form(
    admin_client, practice
):
    quarantine_page(practice=practice, url="http://x/fhir/Patient?a=1", body=b"{", reason="bad")
    first = QuarantinedItem.objects.get()
    assert change(admin_client, first, "dismissed").status_code == 302
    quarantine_page(practice=practice, url="http://x/fhir/Patient?a=2", body=b"{", reason="bad")
    second = QuarantinedItem.objects.get(status="open")

    response = change(admin_client, first, "open")

    assert response.status_code == 200  # the form again, with the error on the status
    message = gettext(
        "A later pull quarantined this input again: item %(id)s is open for it. Work on that one."
    ) % {"id": second.pk}
    assert message in response.content.decode()
    first.refresh_from_db()
    assert first.status == "dismissed"
    assert list(QuarantinedItem.objects.filter(status="open")) == [second]


def test_reopening_an_item_with_no_other_open_one_works(admin_client, practice):
    quarantine_page(practice=practice, url="http://x/fhir/Patient?a=1", body=b"{", reason="bad")
    item = QuarantinedItem.objects.get()
    assert change(admin_client, item, "dismissed").status_code == 302
    assert change(admin_client, item, "open").status_code == 302
    item.refresh_from_db()
    assert item.status == "open"
