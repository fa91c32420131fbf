"""schemathesis against the live schema (/api/schema/ of a running server, real HTTP): no
5xx, and no response that breaks the schema — for inputs that fit it and for inputs that
do not (which must be refused with a 4xx)."""

import datetime as dt
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from oversight.models import OrganisationAPIKey
from portal.models import Organisation
from registry.models import PracticeAPIKey
from tests.factories import OrganisationFactory
from tests.registry.api_helpers import bsns, enrol

# Enough examples per operation and mode to reach the edges; the suite's time stays short.
EXAMPLES = 60


OURS = bsns(20, start=200_000_000)
BIRTH_DATE = "1950-02-03"
# A contact of yesterday: within RECONCILIATION_MAX_AGE_DAYS whenever the suite runs.
CONTACT_AT = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00:00Z")


@pytest.fixture
def api_key(live_server, patients):
    """A key of the fixtures' practice, and patients of its own that generated data may hit."""
    enrol(patients, OURS)
    _api_key, key = PracticeAPIKey.objects.create_key(name="schemathesis", practice=patients)
    return key


@pytest.fixture
def organisation_key(live_server):
    """A HAP's key, for its contact registrations (oversight.reconciliation)."""
    hap = OrganisationFactory(kind=Organisation.Kind.HAP)
    _api_key, key = OrganisationAPIKey.objects.create_key(name="schemathesis", organisation=hap)
    return key


@pytest.fixture
def api_schema(live_server, api_key, settings):
    # Thousands of calls: no throttle in the way of the property tests (tested elsewhere).
    settings.API_THROTTLE_RATES = {
        name: "100000/minute" for name in ("batch", "lookup", "schema", "anonymous")
    }
    settings.RECONCILIATION_API_RATE = "100000/minute"
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Api-Key {api_key}"},
    )
    schema.config.update(base_url=live_server.url)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
    )
    return schema


# schemathesis's own pytest integration (schema.parametrize with from_fixture) relies on
# pytest internals that pytest 9 changed; its Hypothesis strategies are used directly.
OPERATIONS = (
    ("POST", "/api/v1/registrations/batch"),
    ("POST", "/api/v1/patients/lookup"),
    ("POST", "/api/v1/contacts"),
    ("GET", "/api/v1/audit-events"),
)
# Called by a HAP's or SEH's system, with its own key: its contacts, its ledger's export.
ORGANISATION_PATHS = {"/api/v1/contacts", "/api/v1/audit-events"}


def test_the_schema_has_exactly_the_operations_tested_here(api_schema):
    found = {
        (operation.ok().method.upper(), operation.ok().path)
        for operation in api_schema.get_all_operations()
    }
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_schema(api_schema, api_key, organisation_key, method, path, mode):
    operation = api_schema[path][method]
    key = organisation_key if path in ORGANISATION_PATHS else api_key

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same cases on every run: a failure is reproducible
        database=None,
    )
    def calls(case):
        if mode == GenerationMode.POSITIVE:
            about_our_patients(case)
        case.call_and_validate(
            headers={"Authorization": f"Api-Key {key}"},
            # Valid by the schema is not always valid: the 11-test, one's own patients, no
            # dates in the future are rules the schema cannot state. A 400 for such input
            # is right; every other check stands.
            excluded_checks=[positive_data_acceptance],
        )

    calls()


def about_our_patients(case) -> None:
    """Point schema-valid bodies at the practice's own patients (distinct ones, with the birth
    date the registry keeps), at the past and at a new Idempotency-Key, so that many of them
    are registered or found and the answers of success are checked against the schema too,
    not only the refusals."""
    if isinstance(case.query, dict) and "patient" in case.query:
        case.query["patient"] = OURS[0]
    body = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("registrations"), list):
        case.headers = {**(case.headers or {}), "Idempotency-Key": str(uuid.uuid4())}
        for number, row in enumerate(body["registrations"]):
            if isinstance(row, dict):
                row["bsn"], row["birth_date"] = OURS[number % len(OURS)], BIRTH_DATE
                row.pop("registered_at", None)
    elif isinstance(body.get("contacts"), list):
        for number, row in enumerate(body["contacts"]):
            if isinstance(row, dict):
                row["bsn"], row["contact_at"] = OURS[number % len(OURS)], CONTACT_AT
    elif "bsn" in body:
        body["bsn"], body["birth_date"] = OURS[0], BIRTH_DATE
