"""The patient's own account and page: open the account with the proof patients.identity
accepts, read who accessed their data (logged), register their own choice (the registry's
one service, with its effects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Scope
from oversight.access import supervisor_actor
from patients.identity import IdentityNotEstablished, patient_identity
from patients.models import PatientAccount
from patients.selectors import (
    LogPage,
    LogRow,
    Period,
    access_log_whole,
    organisation_dealt_with,
    patient_page,
    patient_self,
)
from portal.access import Refusal
from portal.models import Membership
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


# The open account of a user and whether its address is confirmed (email_confirmed), in
# one statement written by hand: every /mijn/ request reads it, and through the ORM (the
# account, then allauth's table, or an Exists beside it) building the query cost ~0.5 ms.
_OPEN_ACCOUNT_SQL = (
    'SELECT a."id", a."bsn", a."birth_date", EXISTS (SELECT 1 FROM "account_emailaddress" e '
    'WHERE e."user_id" = a."user_id" AND e."primary" AND e."verified") '
    'FROM "patients_patientaccount" a WHERE a."user_id" = %s AND a."closed_at" IS NULL'
)


def patient_account(user) -> PatientAccount:
    """The open account of a signed-in patient, with `address_confirmed` (email_confirmed,
    read with it); PermissionDenied for anyone else."""
    row = None
    if user.is_patient:
        with connection.cursor() as cursor:
            cursor.execute(_OPEN_ACCOUNT_SQL, [user.pk])
            row = cursor.fetchone()
    if row is None:
        raise PermissionDenied("not a patient's open account")
    account_id, bsn, birth_date, confirmed = row
    account = PatientAccount.from_db(
        connection.alias,
        ["id", "user_id", "bsn", "birth_date"],
        [account_id, user.pk, bsn, birth_date],
    )
    account.user = user
    account.address_confirmed = bool(confirmed)
    return account


def email_confirmed(user) -> bool:
    return EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()


@dataclass(frozen=True)
class PatientPage:
    log: LogPage
    choices: PatientChoices


def _address_confirmed(account: PatientAccount) -> None:
    """The rule for every path to a patient's data: until the account's e-mail address is
    confirmed, nothing is shown or registered (the activation code alone is not enough: the
    second factor is set up only after). An account not read by `patient_account` counts as
    unconfirmed."""
    if not getattr(account, "address_confirmed", False):
        raise PermissionDenied("the account's e-mail address is not confirmed")


def patient_page_open(
    *, account: PatientAccount, period: Period, before: int | None = None
) -> PatientPage:
    """What the patient's page shows — who accessed their data, their choices — with the
    event of their reading it, in one transaction: no page without its event."""
    _address_confirmed(account)
    with transaction.atomic():
        log, choices = patient_page(bsn=account.bsn, period=period, before=before)
        page = PatientPage(log=log, choices=choices)
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
    _address_confirmed(account)
    return patient_choice_register(patient=patient_self(account), decision=decision, scope=scope)


@dataclass(frozen=True)
class LetterOverview:
    """The patient's overview for a letter: the same rows as their page, all of them."""

    bsn: str
    rows: list[LogRow]
    choices: PatientChoices
    reference: str  # the patient's letter, as the organisation filed it
    organisation: str
    made_by: str
    made_at: dt.datetime


def patient_overview_for_letter(
    *, membership: Membership, bsn: str, reference: str
) -> LetterOverview:
    """A privacy officer makes the overview for a patient who asked by letter (NEN 7513:
    the patient's right to the log). Only for a patient their organisation dealt with, so
    the overview cannot be fished for any BSN; a refusal answers as for an unknown patient
    and is logged. Read, then logged, in one transaction: no overview without its event,
    which the patient sees on their own page."""
    actor = supervisor_actor(membership, needs_ura=True)
    if not organisation_dealt_with(ura=membership.organisation.ura, bsn=bsn):
        with transaction.atomic():
            events.access_denied(
                actor=actor,
                reason="overview for a patient the organisation has not seen",
                patient_bsn=bsn,
            )
        raise Refusal(
            _(
                "Your organisation has no access to this patient's data on record. Check the"
                " BSN; a patient who was not seen here can ask the organisation that was."
            )
        )
    with transaction.atomic():
        rows = access_log_whole(bsn=bsn)
        overview = LetterOverview(
            bsn=bsn,
            rows=rows,
            choices=patient_choices(bsn),
            reference=reference,
            organisation=membership.organisation.name,
            made_by=actor.name,
            made_at=timezone.now(),
        )
        events.patient_log_read(
            actor=actor,
            patient_bsn=bsn,
            period=Period().as_detail(),
            shown=len(rows),
            pdf=True,
            reference=reference,
        )
    return overview
