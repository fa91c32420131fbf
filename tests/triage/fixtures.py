import datetime as dt

import pytest
from django.utils import timezone

from audit.actors import Actor
from consent.models import Decision, Policy, Scope, Source
from consent.services import consent_register
from portal.models import Organisation, Role
from summaries.fhir import parse_page
from summaries.models import GpPractice
from summaries.services.store import summaries_store
from tests.factories import MembershipFactory, OrganisationFactory, enrol_totp
from tests.summaries import builders as b

CONSENTED, BLANK, REFUSED = "999911120", "999911132", "999911144"
BIRTH = dt.date(1950, 2, 3)


@pytest.fixture
def patients(db):
    """Three patients with summaries: one with registered consent, one blank, one refusing."""
    practice = GpPractice.objects.create(
        agb="01100000",
        ura="92000000",
        name="Praktijk Zuid",
        fhir_base_url="http://gp.example/fhir",
        token="t",
    )
    resources = [b.gp(), b.flag(), b.allergy(), b.medication(), b.lab(), b.journal()]
    for i, bsn in enumerate((CONSENTED, BLANK, REFUSED)):
        page = parse_page(
            b.bundle(b.patient(f"p{i}", bsn=bsn), *[_for(r, f"p{i}") for r in resources]),
            now=timezone.now(),
        )
        summaries_store(practice=practice, items=page.summaries, fetched_at=timezone.now())
    gp = Actor(username="huisarts", name="Eva Jansen", organisation_agb="01100000")
    consent_register(
        patient_bsn=CONSENTED,
        scope=Scope.BOTH,
        decision=Decision.CONSENT,
        source=Source.GP_PRACTICE,
        actor=gp,
    )
    consent_register(
        patient_bsn=REFUSED,
        scope=Scope.BOTH,
        decision=Decision.REFUSAL,
        source=Source.GP_PRACTICE,
        actor=gp,
    )
    return practice


def _for(resource, pid):
    """The builders' resources for another patient id (ids made unique per patient)."""
    import copy

    items = resource if isinstance(resource, list) else [resource]
    out = []
    for item in copy.deepcopy(items):
        if item["resourceType"] not in ("Practitioner", "Organization"):
            item["id"] = f"{item['id']}-{pid}"
            for field in ("subject", "patient"):
                if field in item:
                    item[field] = {"reference": f"Patient/{pid}"}
            if "encounter" in item:
                item["encounter"] = {"reference": f"{item['encounter']['reference']}-{pid}"}
        out.append(item)
    return out


@pytest.fixture
def corona_opt_in(db):
    return Policy.objects.create(
        name="Corona Opt-in",
        is_on=True,
        condition="suspected_covid",
        starts_at=timezone.now() - dt.timedelta(days=1),
    )


@pytest.fixture
def nurse(client, db):
    hap = OrganisationFactory(kind=Organisation.Kind.HAP, name="HAP Stad")
    membership = MembershipFactory(user__username="sanne", organisation=hap, role=Role.TRIAGE)
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return membership
