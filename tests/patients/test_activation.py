"""A GP practice issues an activation code; the patient opens their account with it (and
their birth date), confirms their e-mail address; the code works once, for its patient only."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from audit.models import AccessEvent, EventType
from patients.models import PatientAccount
from portal.access import Refusal
from portal.models import User
from registry.activation import activation_code_issue, code_hash
from registry.models import ActivationCode
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED

pytestmark = pytest.mark.django_db

PASSWORD = "een lang wachtwoord 4 mij"


def opened(client, code, birth=BIRTH, email="jan@example.org", password=PASSWORD):
    return client.post(
        "/mijn/activeren/",
        {
            "code": code,
            "birth_date": birth.isoformat(),
            "email": email,
            "password1": password,
            "password2": password,
        },
    )


def test_the_gp_issues_a_code_for_an_own_patient_and_only_its_hash_is_kept(gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    assert re.fullmatch(r"([A-Z2-9]{4}-){3}[A-Z2-9]{4}", issued.code)
    row = ActivationCode.objects.get()
    assert (row.patient_bsn, row.birth_date, row.issued_by) == (BLANK, BIRTH, "huisarts")
    assert row.code_hash == code_hash(issued.code) and issued.code not in str(row.__dict__)
    event = AccessEvent.objects.get(event_type=EventType.ACTIVATION_CODE_ISSUED)
    assert (event.patient_bsn, event.user_username) == (BLANK, "huisarts")


def test_another_practices_patient_gets_no_code(gp):
    with pytest.raises(Refusal):
        activation_code_issue(membership=gp, bsn="999911156", birth_date=BIRTH)
    assert not ActivationCode.objects.exists()


def test_a_new_code_ends_the_earlier_one(client, gp):
    first = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    response = opened(client, first.code)
    assert "Deze code kunt u niet gebruiken" in response.content.decode()
    assert not User.objects.filter(is_patient=True).exists()


def test_the_patient_opens_their_account_with_code_and_birth_date(client, gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    # Typed from the letter: lower case, spaces instead of dashes.
    response = opened(client, issued.code.lower().replace("-", " "), email="Jan@Example.org")
    assert response.status_code == 302
    user = User.objects.get(is_patient=True)
    assert user.username == "jan@example.org"
    account = PatientAccount.objects.get(user=user)
    assert (account.bsn, account.birth_date, account.established_by) == (
        BLANK,
        BIRTH,
        "activation_code",
    )
    assert ActivationCode.objects.get().ended == ActivationCode.Ended.USED
    address = EmailAddress.objects.get(user=user)
    assert address.primary and not address.verified
    (message,) = mail.outbox
    assert message.to == ["jan@example.org"] and "/accounts/confirm-email/" in message.body
    event = AccessEvent.objects.get(event_type=EventType.PATIENT_ACCOUNT_OPENED)
    assert (event.patient_bsn, event.user_portal_role) == (BLANK, "patient")
    assert event.detail["established_by"] == "activation_code"
    # Signed in; every page sends them to confirm their address first (allauth sets up
    # no second factor before that), and shows none of their data.
    assert client.get("/mijn/").url == "/mijn/e-mail/"
    assert client.get("/accounts/2fa/totp/activate/").url == "/mijn/e-mail/"


def test_a_wrong_birth_date_opens_nothing_and_five_end_the_code(client, gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    for _ in range(5):
        response = opened(client, issued.code, birth=dt.date(1950, 2, 4))
        assert "Deze code kunt u niet gebruiken" in response.content.decode()
    assert not User.objects.filter(is_patient=True).exists()
    assert not EmailAddress.objects.exists() and not mail.outbox
    failed = AccessEvent.objects.filter(event_type=EventType.LOGIN_FAILED)
    assert failed.count() == 5
    assert failed.first().detail == {"step": "patient account", "refused": "birth date differs"}
    assert ActivationCode.objects.get().ended == ActivationCode.Ended.TOO_MANY_ATTEMPTS
    # Now even the right birth date cannot use it.
    opened(client, issued.code)
    assert not User.objects.filter(is_patient=True).exists()


def test_a_code_works_once_and_not_after_it_expired(client, gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    opened(client, issued.code)
    client.logout()
    opened(client, issued.code, email="ander@example.org")
    assert User.objects.filter(is_patient=True).count() == 1

    late = activation_code_issue(membership=gp, bsn=CONSENTED, birth_date=BIRTH)
    ActivationCode.objects.filter(patient_bsn=CONSENTED).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    opened(client, late.code, email="laat@example.org")
    assert not User.objects.filter(username="laat@example.org").exists()


def test_bad_input_names_the_field_and_writes_nothing(client, gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    response = opened(client, issued.code, email="geen-adres", password="kort")
    page = response.content.decode()
    assert "Voer een geldig e-mailadres in." in page
    assert "Dit wachtwoord is te kort: gebruik minstens 12 tekens." in page
    assert not User.objects.filter(is_patient=True).exists()
    assert ActivationCode.objects.get().ended == ""


def test_an_address_already_in_use_keeps_the_code(client, gp):
    issued = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH)
    response = opened(client, issued.code, email="huisarts")
    assert response.status_code == 200  # "huisarts" is no address: the form says so
    User.objects.create_user(username="jan@example.org", password="x")
    response = opened(client, issued.code)
    assert "U kunt dit e-mailadres niet gebruiken" in response.content.decode()
    assert ActivationCode.objects.get().ended == ""  # still usable with another address
    assert not PatientAccount.objects.exists()


def test_a_new_account_closes_the_patients_earlier_one(client, gp):
    opened(client, activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code)
    client.logout()
    opened(client, activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code)
    old, new = PatientAccount.objects.order_by("pk")
    assert old.closed_at is not None and not old.user.is_active
    assert new.closed_at is None and new.user.username == "jan@example.org"
    event = AccessEvent.objects.filter(event_type=EventType.PATIENT_ACCOUNT_OPENED).last()
    assert event.detail["replaced_accounts"] == ["jan@example.org"]


def test_the_confirmation_link_confirms_the_address(client, gp):
    opened(client, activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code)
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)[1]
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get().verified
    # Then the second factor, before any of their data.
    assert client.get("/mijn/").url == "/accounts/2fa/totp/activate/"


def test_an_unknown_confirmation_key_confirms_nothing(client, gp):
    opened(client, activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code)
    client.post("/accounts/confirm-email/onzin/")
    assert not EmailAddress.objects.get().verified
