"""Demo organisations and one account per role, for `make run`.

Idempotent: running it again finds what exists and sets the passwords to
the current DEMO_PASSWORD, so the printed password always works.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction

from portal.models import Membership, Organisation, Role, User

DEFAULT_DEMO_PASSWORD = "spoedinzage-demo"  # noqa: S105 - demo only, printed on purpose

ORGANISATIONS = {
    "hap": dict(
        kind=Organisation.Kind.HAP,
        name="Huisartsenpost Utrecht Stad",
        ura="90000101",
        agb="06010001",
    ),
    "seh": dict(
        kind=Organisation.Kind.SEH, name="SEH Ziekenhuis De Meern", ura="90000201", agb="06020001"
    ),
    # The first practice the demo's simulator plays (docs/simulator.md).
    "gp": dict(
        kind=Organisation.Kind.GP_PRACTICE,
        name="Huisartsenpraktijk De Linde",
        ura="92000000",
        agb="01100000",
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    uzi_number: str
    organisation: str
    role: Role
    uzi_role_code: str
    description: str
    superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "triage",
        "Sanne",
        "de Vries",
        "900000011",
        "hap",
        Role.TRIAGE,
        "30.000",
        "triage nurse at the HAP",
    ),
    DemoAccount(
        "seharts", "Daan", "Bakker", "900000022", "seh", Role.DOCTOR, "01.000", "doctor at the SEH"
    ),
    DemoAccount(
        "huisarts", "Eva", "Jansen", "900000033", "gp", Role.GP, "01.015", "GP at the practice"
    ),
    DemoAccount(
        "supervisor",
        "Pieter",
        "Smit",
        "",
        "hap",
        Role.SUPERVISOR,
        "00.000",
        "supervisor / privacy officer of the HAP",
    ),
    DemoAccount(
        "admin", "Anna", "Visser", "", "hap", Role.ADMIN, "00.000", "administrator", superuser=True
    ),
)


def demo_totp_secret(user: User) -> str:
    """The account's TOTP secret, enrolling one the first time: demo accounts are enrolled
    so that a person (with any authenticator app) or a script can log in."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    return get_mfa_adapter().decrypt(authenticator.data["secret"])


@transaction.atomic
def demo_seed(*, password: str) -> dict[str, str]:
    """Create or refresh the demo data; returns each account's TOTP secret by username."""
    organisations = {
        # Found by URA and left as they are: `make run` may have named the GP
        # practice after the simulated practice it stands for.
        key: Organisation.objects.get_or_create(ura=fields["ura"], defaults=fields)[0]
        for key, fields in ORGANISATIONS.items()
    }
    for account in ACCOUNTS:
        user, _ = User.objects.update_or_create(
            username=account.username,
            defaults=dict(
                first_name=account.first_name,
                last_name=account.last_name,
                uzi_number=account.uzi_number,
                is_staff=account.superuser,
                is_superuser=account.superuser,
                is_active=True,
            ),
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            user=user,
            organisation=organisations[account.organisation],
            defaults=dict(role=account.role, uzi_role_code=account.uzi_role_code, is_active=True),
        )
    return {
        account.username: demo_totp_secret(User.objects.get(username=account.username))
        for account in ACCOUNTS
    }
