"""The patient's page: who accessed their data (in their words, filtered by period, with
supervision's review), their own choice with its effects; their own accounts and staff's
never cross."""

import datetime as dt
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.alerts import misuse_alert_raise
from audit.models import AccessEvent, ConsentBasis, EventType, MisuseAlert
from consent.models import ConsentRegistration, Decision, Scope, Source
from patients.models import PatientAccount
from patients.selectors import Period
from patients.services import (
    patient_account,
    patient_account_open,
    patient_choice_change,
    patient_page_open,
)
from portal.models import Role
from registry.activation import activation_code_issue
from summaries.models import Summary
from tests.factories import enrol_totp
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED

pytestmark = pytest.mark.django_db

NURSE = Actor(
    username="sanne",
    name="Sanne de Vries",
    portal_role=Role.TRIAGE,
    organisation_ura="12345678",
    organisation_name="HAP Stad",
)


@pytest.fixture
def jan(client, gp):
    """The blank patient's own account, address confirmed, second factor set, signed in."""
    code = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code
    user = patient_account_open(
        proof={"code": code, "birth_date": BIRTH}, email="jan@example.org", password="x" * 12
    )
    EmailAddress.objects.filter(user=user).update(verified=True)
    enrol_totp(user)
    client.force_login(user)
    return PatientAccount.objects.get(user=user)


def viewed(bsn, basis=ConsentBasis.REGISTERED_CONSENT, policy="", actor=NURSE):
    return events.summary_viewed(
        actor=actor,
        patient_bsn=bsn,
        encounter=uuid.uuid4(),
        reason="",
        consent_basis=basis,
        consent_policy=policy,
        emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
    )


def log_of(client, query=""):
    response = client.get(f"/mijn/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_lists_each_view_with_its_basis_in_plain_words(client, jan):
    viewed(BLANK, ConsentBasis.ON_THE_SPOT_CONSENT, policy="Corona Opt-in")
    viewed(BLANK, ConsentBasis.EMERGENCY_ACCESS)
    viewed(CONSENTED)  # someone else's
    page = log_of(client)
    assert page.count("Las de samenvatting van uw huisartsdossier") == 2
    assert (
        "Geen keuze geregistreerd, maar de Corona Opt-in was van toepassing: u gaf ter plekke"
        " toestemming" in page
    )
    assert "Noodtoegang, omdat u niet kon antwoorden" in page
    assert "HAP Stad" in page and "Sanne de Vries" in page
    assert "U had toestemming geregistreerd" not in page  # the other patient's view


def test_reading_the_page_is_logged_and_not_listed_itself(client, jan):
    viewed(BLANK)
    log_of(client)
    page = log_of(client)
    read = AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ)
    assert read.count() == 2
    event = read.last()
    assert (event.patient_bsn, event.user_username, event.user_portal_role) == (
        BLANK,
        "jan@example.org",
        "patient",
    )
    assert event.detail == {"period": {"since": "", "until": ""}, "shown": 3, "pdf": False}
    # The view, the account opened and the code issued; never their own readings.
    assert "Eigen toegangslog" not in page


def test_the_period_filters_by_dutch_days(client, jan):
    viewed(BLANK)
    today = timezone.localdate()
    page = log_of(client, f"?since={today:%Y-%m-%d}&until={today:%Y-%m-%d}")
    assert "Las de samenvatting" in page
    yesterday = today - dt.timedelta(days=1)
    page = log_of(client, f"?until={yesterday:%Y-%m-%d}")
    assert "Niemand heeft in deze periode uw gegevens" in page
    page = log_of(client, f"?since={today:%Y-%m-%d}&until={yesterday:%Y-%m-%d}")
    assert "Het einde van de periode ligt vóór het begin." in page


def test_supervision_reading_the_patient_in_the_ledger_is_listed(client, jan):
    supervisor = Actor(**{**NURSE.__dict__, "username": "toezicht", "portal_role": "supervisor"})
    events.ledger_searched(
        actor=supervisor, filters={}, page_size=50, cursor=None, patients=[CONSENTED, BLANK]
    )
    events.ledger_searched(actor=supervisor, filters={}, page_size=50, cursor=None, patients=[])
    page = log_of(client)
    assert page.count("Bekeek het toegangslog waarin u voorkomt (toezicht)") == 1


def test_whether_supervision_checked_an_access(client, jan):
    emergency = viewed(BLANK, ConsentBasis.EMERGENCY_ACCESS)
    page = log_of(client)
    assert "Nog niet: dat gebeurt nog" not in page  # no alert, and the view asks for none
    alert = misuse_alert_raise(
        kind=MisuseAlert.Kind.EMERGENCY_ACCESS,
        actor=NURSE,
        detail={},
        now=timezone.now(),
        event_ids=[emergency.pk],
    )
    assert "Nog niet: dat gebeurt nog" in log_of(client)
    MisuseAlert.objects.filter(pk=alert.pk).update(reviewed=True)
    assert "Ja, gecontroleerd" in log_of(client)


def test_older_accesses_are_on_the_next_page(client, jan, settings):
    for _ in range(52):
        viewed(BLANK)
    page = log_of(client)
    assert page.count("Las de samenvatting") == 50
    older = page.split('href="?ouder=')[1].split("#")[0]
    page = log_of(client, f"?ouder={older}")
    # The two oldest views, the account opened and the code issued.
    assert page.count("Las de samenvatting") == 2
    assert "Uw account werd geopend" in page and 'href="?ouder=' not in page


def test_the_patient_registers_a_refusal_after_checking_it(client, jan):
    response = client.post("/mijn/", {"decision": "refusal", "scope": "both", "review": "1"})
    assert "Controleer uw keuze" in response.content.decode()
    assert not ConsentRegistration.objects.filter(patient_bsn=BLANK).exists()
    response = client.post("/mijn/", {"decision": "refusal", "scope": "both", "confirm": "1"})
    assert response.status_code == 302
    (registration,) = ConsentRegistration.objects.filter(patient_bsn=BLANK)
    assert (registration.decision, registration.source) == ("refusal", Source.PATIENT)
    assert registration.registered_by_username == "jan@example.org"
    assert not Summary.objects.filter(bsn=BLANK).exists()  # the registry's effect
    page = log_of(client)
    assert 'data-scope="hap">Weigering' in page and 'data-scope="seh">Weigering' in page


def test_a_bad_choice_names_the_field_and_registers_nothing(client, jan):
    response = client.post("/mijn/", {"decision": "alles", "scope": "both", "confirm": "1"})
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not ConsentRegistration.objects.filter(patient_bsn=BLANK).exists()


def test_an_unconfirmed_address_sees_no_data(client, jan):
    EmailAddress.objects.filter(user=jan.user).update(verified=False)
    viewed(BLANK)
    response = client.get("/mijn/")
    assert response.url == "/mijn/e-mail/"
    page = client.get("/mijn/e-mail/").content.decode()
    assert "jan@example.org" in page and "Las de samenvatting" not in page
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ).exists()


def test_the_services_refuse_an_unconfirmed_address_whatever_calls_them(jan):
    # The rule lives in patients.services, not only in the view and the middleware: a
    # later path (an API, a task) that calls the services gets the same refusal.
    EmailAddress.objects.filter(user=jan.user).update(verified=False)
    view = viewed(BLANK)
    account = patient_account(jan.user)
    with pytest.raises(PermissionDenied):
        patient_page_open(account=account, period=Period())
    with pytest.raises(PermissionDenied):
        patient_choice_change(account=account, decision=Decision.REFUSAL, scope=Scope.BOTH)
    # An account read some other way than patient_account counts as unconfirmed.
    EmailAddress.objects.filter(user=jan.user).update(verified=True)
    with pytest.raises(PermissionDenied):
        patient_page_open(account=PatientAccount.objects.get(pk=jan.pk), period=Period())
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ).exists()
    assert not ConsentRegistration.objects.filter(patient_bsn=BLANK).exists()
    assert Summary.objects.filter(bsn=BLANK).exists()
    page = patient_page_open(account=patient_account(jan.user), period=Period())
    assert view.seq in [row.seq for row in page.log.rows]


@pytest.mark.parametrize(
    "path", ["/", "/triage/", "/registratie/", "/toezicht/", "/beleid/", "/organisatie/"]
)
def test_a_patients_account_reaches_no_staff_page(client, jan, path):
    assert client.get(path).status_code == 403
    denied = AccessEvent.objects.filter(event_type=EventType.ACCESS_DENIED).last()
    assert denied.user_username == "jan@example.org"


def test_the_admin_refuses_a_patients_account(client, jan):
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert "Site administration" not in response.content.decode()


def test_a_staff_account_reaches_no_patients_page(client, gp):
    enrol_totp(gp.user)
    client.force_login(gp.user)
    assert client.get("/mijn/").status_code == 403
    assert (
        client.post("/mijn/", {"decision": "refusal", "scope": "both", "confirm": "1"}).status_code
        == 403
    )
    assert not ConsentRegistration.objects.filter(source=Source.PATIENT).exists()


def test_a_patient_user_without_an_open_account_sees_nothing(client, jan):
    # A closed account whose user is still active (as an administrator could leave it):
    # the page needs the open account, not only a patient's user.
    PatientAccount.objects.filter(pk=jan.pk).update(closed_at=timezone.now())
    viewed(BLANK)
    assert client.get("/mijn/").status_code == 403
    assert not AccessEvent.objects.filter(event_type=EventType.PATIENT_LOG_READ).exists()


def test_a_closed_account_is_signed_out(client, jan, gp):
    code = activation_code_issue(membership=gp, bsn=BLANK, birth_date=BIRTH).code
    patient_account_open(
        proof={"code": code, "birth_date": BIRTH}, email="jan2@example.org", password="y" * 12
    )
    response = client.get("/mijn/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_log_is_read_by_the_index_that_leaves_out_the_patients_own_readings(client, jan):
    # Without audit_event_patient_log the patient's events are found by the index of all
    # their events, their own readings of the page among them: each look reads every look
    # before it (the PostgreSQL plan, with sequential scans priced out as on a big ledger).
    from django.db import connection

    from patients.selectors import Period, log_events

    viewed(BLANK)
    for _ in range(3):
        log_of(client)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = log_events(bsn=BLANK, period=Period()).explain()
    assert "_patient_bsn_seq_idx" in plan  # the partitions' copies of audit_event_patient_log
    assert "_patient_bsn_occurred_at_idx" not in plan


def test_the_index_of_the_patients_named_by_supervision_keeps_a_small_pending_list():
    # Off, each supervisor's page wrote its 50 patients into the GIN tree one by one; at the
    # default size (4 MB) each patient's log read the list first (migration audit/0020).
    # The parent index and each month's copy.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c "
            "WHERE c.oid = 'audit_event_read_patients'::regclass OR c.oid IN ("
            "SELECT inhrelid FROM pg_inherits "
            "WHERE inhparent = 'audit_event_read_patients'::regclass)"
        )
        options = dict(cursor.fetchall())
    assert len(options) > 1, options  # the parent and its months
    assert set(map(tuple, options.values())) == {("fastupdate=on", "gin_pending_list_limit=64")}
