"""The patient's own account and page: open the account with the proof patients.identity
accepts, read who accessed their data (logged), register their own choice (the registry's
one service, with its effects)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Scope
from patients.identity import IdentityNotEstablished, patient_identity
from patients.models import PatientAccount
from patients.selectors import LogPage, Period, access_log, patient_self
from registry.selectors import PatientChoices, patient_choices
from registry.services import PATIENT_ROLE, patient_choice_register

User = get_user_model()


class AddressInUse(Exception):
    """The e-mail address is already another account's username."""


def _actor(user) -> Actor:
    return Actor(username=user.username, name=user.username, portal_role=PATIENT_ROLE)


def _accounts_close(bsn: str) -> list[str]:
    """Close the patient's earlier account (one open account per patient): it can no longer
    sign in, and its address is free for the new one."""
    closed = []
    for account in PatientAccount.objects.select_for_update().filter(
        bsn=bsn, closed_at__isnull=True
    ):
        user = account.user
        closed.append(user.username)
        account.closed_at = timezone.now()
        account.save(update_fields=["closed_at"])
        EmailAddress.objects.filter(user=user).delete()
        user.is_active = False
        user.username = f"{user.username}~closed-{account.pk}"[:150]
        user.save(update_fields=["is_active", "username"])
    return closed


def patient_account_open(*, proof: dict, email: str, password: str):
    """Open a patient's account: the identity proof establishes the BSN (and is used up),
    the e-mail address is its username, still to be confirmed. All or nothing; a refused
    proof is logged as a failed login and counted against the code."""
    identity = patient_identity()
    try:
        with transaction.atomic():
            established = identity.establish(**proof)
            replaced = _accounts_close(established.bsn)
            if User.objects.filter(username__iexact=email).exists():
                raise AddressInUse(email)
            user = User(username=email, email=email, is_patient=True)
            user.set_password(password)
            user.save()
            PatientAccount.objects.create(
                user=user,
                bsn=established.bsn,
                birth_date=established.birth_date,
                opened_at=timezone.now(),
                established_by=established.established_by,
            )
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            events.patient_account_opened(
                actor=_actor(user),
                patient_bsn=established.bsn,
                established_by=established.established_by,
                replaced_accounts=replaced,
            )
    except IdentityNotEstablished as refusal:
        with transaction.atomic():
            identity.refused(refusal)
            events.login_failed(
                actor=Actor(username=email[:150], name=""),
                detail={"step": "patient account", "refused": refusal.reason},
            )
        raise
    return user


def patient_account(user) -> PatientAccount:
    """The open account of a signed-in patient; PermissionDenied for anyone else."""
    account = (
        PatientAccount.objects.filter(user=user, closed_at__isnull=True)
        .select_related("user")
        .first()
    )
    if account is None or not user.is_patient:
        raise PermissionDenied("not a patient's open account")
    return account


def email_confirmed(user) -> bool:
    return EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()


@dataclass(frozen=True)
class PatientPage:
    log: LogPage
    choices: PatientChoices


def patient_page_open(
    *, account: PatientAccount, period: Period, before: int | None = None
) -> PatientPage:
    """What the patient's page shows — who accessed their data, their choices — with the
    event of their reading it, in one transaction: no page without its event."""
    with transaction.atomic():
        page = PatientPage(
            log=access_log(bsn=account.bsn, period=period, before=before),
            choices=patient_choices(account.bsn),
        )
        events.patient_log_read(
            actor=_actor(account.user),
            patient_bsn=account.bsn,
            period=period.as_detail(),
            shown=len(page.log.rows),
        )
    return page


def patient_choice_change(
    *, account: PatientAccount, decision: Decision, scope: Scope
) -> ConsentRegistration:
    """The patient registers or changes their own choice, with its effects (the registry's
    choice_register: a refusal purges the summary, consent lets the next pull fetch it)."""
    return patient_choice_register(patient=patient_self(account), decision=decision, scope=scope)
