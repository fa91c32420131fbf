import pytest

from portal.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.triage.fixtures import corona_opt_in, patients  # noqa: F401 - fixtures


@pytest.fixture
def gp(patients):  # noqa: F811 - the fixture above
    """The GP of the practice the three patients are enrolled with."""
    practice = OrganisationFactory(
        kind=Organisation.Kind.GP_PRACTICE, name="Praktijk Zuid", agb=patients.agb, ura=""
    )
    return MembershipFactory(
        user__username="huisarts", organisation=practice, role=Role.GP, uzi_role_code="01.015"
    )
