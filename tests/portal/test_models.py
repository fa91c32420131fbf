import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Membership, Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"ura": "", "agb": ""},  # the ledger could not name it
        {"ura": "1234567"},  # 7 digits
        {"agb": "ABCDEFGH"},
        {"kind": "pharmacy"},
    ],
)
def test_database_rejects_organisations_it_cannot_identify(fields):
    organisation = OrganisationFactory.build(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        organisation.save()
    assert Organisation.objects.count() == 0


def test_ura_is_unique():
    OrganisationFactory(ura="90000101")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(ura="90000101")


def test_a_user_has_one_membership_per_organisation():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=membership.user, organisation=membership.organisation)


def test_membership_rejects_a_malformed_uzi_role_code_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(uzi_role_code="1.15")


def test_membership_role_must_exist_at_the_kind_of_organisation():
    practice = OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    membership = Membership(
        user=UserFactory(), organisation=practice, role=Role.TRIAGE, uzi_role_code="30.000"
    )
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "role" in excinfo.value.message_dict


def test_gp_membership_at_a_practice_is_valid():
    practice = OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    Membership(
        user=UserFactory(), organisation=practice, role=Role.GP, uzi_role_code="01.015"
    ).full_clean()
