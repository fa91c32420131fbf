"""factory_boy factories for the portal's models."""

from __future__ import annotations

import factory
from faker import Faker

from portal.models import Membership, Organisation, Role, User

fake = Faker("nl_NL")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.HAP
    name = factory.LazyFunction(lambda: f"Huisartsenpost {fake.city()}")
    ura = factory.Sequence(lambda n: f"{90100000 + n:08d}")
    agb = factory.Sequence(lambda n: f"{6100000 + n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(fake.first_name)
    last_name = factory.LazyFunction(fake.last_name)
    uzi_number = factory.Sequence(lambda n: f"{900100000 + n:09d}")
    password = factory.django.Password("correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.TRIAGE
    uzi_role_code = "30.000"


def enrol_totp(user: User) -> str:
    """Give the user a TOTP second factor; returns the secret (see portal.totp.totp_code)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def registration(bsn: str, decision, scope=None):
    """A registration by the patient's GP practice (consent, refusal, or back to blank),
    through the registry's own service; scope HAP and SEH both unless given."""
    from audit.actors import Actor
    from consent.models import Scope, Source
    from consent.services import consent_register

    return consent_register(
        patient_bsn=bsn,
        scope=scope or Scope.BOTH,
        decision=decision,
        source=Source.GP_PRACTICE,
        actor=Actor.system("test"),
    )
