"""`make run` without servers runs on SQLite: the triage path's hand-written SQL must work there
too (no row locks, UUIDs as text, dates as text). One walk through it in a process of its own,
on an empty SQLite database, ending with the ledger verified."""

from tests.processes import run_python

WALK = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)

from django.test import Client
from django.utils import timezone
from audit.actors import Actor
from audit.models import AccessEvent
from consent.models import Decision, Scope, Source
from consent.services import consent_register
from portal.access import SESSION_MEMBERSHIP
from summaries.fhir import parse_page
from summaries.models import GpPractice
from summaries.services.store import summaries_store
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.summaries import builders as b

practice = GpPractice.objects.create(
    agb="01100000", ura="92000000", name="Praktijk Zuid", fhir_base_url="http://gp/", token="t"
)
page = parse_page(b.bundle(b.patient(), *b.gp(), b.allergy()), now=timezone.now())
summaries_store(practice=practice, items=page.summaries, fetched_at=timezone.now())
consent_register(
    patient_bsn="999911120", scope=Scope.BOTH, decision=Decision.CONSENT,
    source=Source.GP_PRACTICE, actor=Actor.system("test"),
)
membership = MembershipFactory(organisation=OrganisationFactory(kind="hap"))
enrol_totp(membership.user)
client = Client()
client.force_login(membership.user)
session = client.session
session[SESSION_MEMBERSHIP] = membership.pk
session.save()
found = client.post("/triage/", {"bsn": "999911120", "birth_date": "1950-02-03"})
agreed = client.post(found["Location"], {"answer": "agrees"})
page = client.get(agreed["Location"])
again = client.post("/triage/", {"bsn": "999911120", "birth_date": "1950-02-03"})
old = client.get(agreed["Location"])
call_command("audit_verify")
print(json.dumps({
    "engine": django.conf.settings.DATABASES["default"]["ENGINE"],
    "statuses": [found.status_code, agreed.status_code, page.status_code, again.status_code,
                 old.status_code],
    "shows": "Penicilline" in page.content.decode(),
    "events": list(AccessEvent.objects.order_by("seq").values_list("event_type", flat=True)),
}))
"""


def test_search_consent_and_summary_work_on_the_embedded_database(tmp_path):
    result = run_python(
        WALK,
        DATABASE_URL=None,
        REDIS_URL=None,
        SECRET_KEY=None,
        SPOEDINZAGE_VAR_DIR=str(tmp_path),
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["engine"] == "django.db.backends.sqlite3"
    # search → consent → summary; a new search of the same patient ends the old encounter.
    assert shown["statuses"] == [302, 302, 200, 302, 403]
    assert shown["shows"]
    assert "Ledger intact" in result.stdout
    assert shown["events"][-5:] == [
        "patient_search",
        "consent_recorded",
        "summary_view",
        "patient_search",
        "access_denied",
    ]
