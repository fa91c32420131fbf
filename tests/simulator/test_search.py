"""The FHIR search of generated practices: listing, auth, paging, determinism, changes."""

from __future__ import annotations

import hashlib
import signal
from collections import Counter

import httpx
import pytest

from audit.identifiers import bsn_is_valid
from simulator.app import BSN_SYSTEM as BSN
from tests.simulator.support import TODAY, bsn_of, matches, pull, run_simulator


def test_listing_names_every_practice_with_its_token(sim):
    practices = sim.practices()

    assert [p["agb"] for p in practices] == ["01100000", "01100001", "01100002"]
    first = practices[0]
    assert first["ura"] == "92000000"
    assert first["base_url"] == f"{sim.url}/practices/01100000/fhir"
    assert first["token"] == hashlib.sha256(b"42:01100000").hexdigest()[:32]
    assert first["patients"] == 120
    assert first["fhir_version"] == "4.0.1"
    assert first["name"] and all(p["name"] for p in practices)


def test_search_without_or_with_wrong_token_is_401(sim):
    practice = sim.practice(0)
    url = f"{practice['base_url']}/Patient"

    missing = httpx.get(url)
    wrong = httpx.get(url, headers={"Authorization": "Bearer " + "0" * 32})
    other = httpx.get(url, headers={"Authorization": f"Bearer {sim.practice(1)['token']}"})

    for response in (missing, wrong, other):
        assert response.status_code == 401
        assert response.json()["resourceType"] == "OperationOutcome"


def test_paging_covers_every_patient_once_with_the_right_total(sim):
    practice = sim.practice(0)
    with sim.client(practice) as client:
        pages = pull(client, f"{practice['base_url']}/Patient", _count="7")

    ids = [p["id"] for p in matches(pages)]
    assert len(pages) == 18  # ceil(120 / 7)
    assert {page["total"] for page in pages} == {120}
    assert len(ids) == 120 and len(set(ids)) == 120
    assert len({page["meta"]["lastUpdated"] for page in pages}) == 1  # one snapshot


def test_page_entries_are_the_patients_with_their_resources_and_the_practice(sim):
    practice = sim.practice(0)
    with sim.client(practice) as client:
        page = client.get(f"{practice['base_url']}/Patient", params={"_count": 5}).json()

    assert page["resourceType"] == "Bundle" and page["type"] == "searchset"
    patients = {e["resource"]["id"] for e in page["entry"] if e["search"]["mode"] == "match"}
    types = Counter(e["resource"]["resourceType"] for e in page["entry"])
    assert len(patients) == 5
    assert types["Organization"] == types["Practitioner"] == types["PractitionerRole"] == 1
    for e in page["entry"]:
        resource = e["resource"]
        assert e["fullUrl"] == f"{practice['base_url']}/{resource['resourceType']}/{resource['id']}"
        subject = resource.get("subject") or resource.get("patient")
        if subject:  # every clinical resource belongs to a patient on this page
            assert subject["reference"].removeprefix("Patient/") in patients


def test_summaries_carry_the_clinical_content(sim):
    practice = sim.practice(1)
    with sim.client(practice) as client:
        pages = pull(client, f"{practice['base_url']}/Patient", _count="120")
    resources = [e["resource"] for e in pages[0]["entry"]]
    types = Counter(r["resourceType"] for r in resources)

    for kind in ("Condition", "MedicationRequest", "Observation", "Encounter", "Composition"):
        assert types[kind] > 0, kind
    codes = {
        c["code"]
        for r in resources
        if r["resourceType"] == "Condition"
        for c in r["code"]["coding"]
        if c["system"] == "http://hl7.org/fhir/sid/icpc-1-nl"
    }
    assert codes & {"K86", "T90", "R96"}
    assert any(c.startswith("P") for c in codes)
    labs = [r for r in resources if r["resourceType"] == "Observation"]
    assert {r["interpretation"][0]["coding"][0]["code"] for r in labs} >= {"H", "N"}
    assert all("2026-07-" <= r["effectiveDateTime"][:10] <= TODAY for r in labs)
    for patient in matches(pages):
        assert "1930-01-01" <= patient["birthDate"] <= "2024-12-31"


def test_bsns_pass_the_eleven_test_and_are_unique_across_practices(sim):
    bsns = []
    for practice in sim.practices():
        with sim.client(practice) as client:
            pages = pull(client, f"{practice['base_url']}/Patient", _count="500")
        bsns += [bsn_of(p) for p in matches(pages)]

    assert len(bsns) == 360
    assert all(bsn_is_valid(b) for b in bsns)
    assert len(set(bsns)) == 360


def _entries(url: str, practice_index: int, seed: str) -> bytes:
    with run_simulator(
        "--practices", "2", "--patients-per-practice", "30", "--seed", seed, "--today", TODAY
    ) as running:
        practice = running.practice(practice_index)
        with running.client(practice) as client:
            body = client.get(f"{practice['base_url']}/Patient", params={"_count": 30}).content
    # Only the port and the snapshot (the server clock) may differ between two runs.
    return body.split(b'"entry":', 1)[1].replace(running.url.encode(), url.encode())


def test_same_seed_gives_byte_identical_pages_and_another_seed_differs():
    first = _entries("http://sim", 1, "7")
    second = _entries("http://sim", 1, "7")
    other = _entries("http://sim", 1, "8")

    assert first == second
    assert other != first


def test_last_updated_gt_snapshot_returns_only_touched_patients(sim):
    practice = sim.practice(2)
    base = f"{practice['base_url']}/Patient"
    with sim.client(practice) as client:
        snapshot = pull(client, base, _count="500")[0]["meta"]["lastUpdated"]
        before = pull(client, base, _lastUpdated=f"gt{snapshot}")

        touched = httpx.post(
            f"{sim.url}/_admin/practices/{practice['agb']}/touch", json={"patients": [3, 77]}
        ).json()
        after = pull(client, base, _lastUpdated=f"gt{snapshot}")
        again = pull(client, base, _lastUpdated=f"gt{after[0]['meta']['lastUpdated']}")

    assert before[0]["total"] == 0 and "entry" not in before[0]
    assert touched == {"touched": 2}
    changed = matches(after)
    assert after[0]["total"] == 2
    assert [p["id"] for p in changed] == ["pat-01100002-000003", "pat-01100002-000077"]
    assert all(p["meta"]["versionId"] == "2" for p in changed)
    assert all(p["meta"]["lastUpdated"] > snapshot for p in changed)
    new_labs = [e for e in after[0]["entry"] if e["resource"]["id"].endswith("-v2")]
    assert len(new_labs) == 2  # a new lab result per touched patient
    assert again[0]["total"] == 0


def test_paging_is_stable_while_patients_are_touched(sim):
    practice = sim.practice(0)
    with sim.client(practice) as client:
        first = client.get(f"{practice['base_url']}/Patient", params={"_count": 50}).json()
        # Touch patients on pages already read and still to come, then read on.
        httpx.post(
            f"{sim.url}/_admin/practices/{practice['agb']}/touch", json={"patients": [1, 60, 110]}
        )
        following = next(link["url"] for link in first["link"] if link["relation"] == "next")
        rest = pull(client, following)

    ids = [p["id"] for p in matches([first, *rest])]
    assert len(ids) == 120 and len(set(ids)) == 120


def test_touch_fraction_and_all_practices(sim):
    agb = sim.practice(1)["agb"]

    one = httpx.post(f"{sim.url}/_admin/practices/{agb}/touch", json={"fraction": 0.05}).json()
    every = httpx.post(f"{sim.url}/_admin/touch", json={"fraction": 0.1}).json()
    bad = httpx.post(f"{sim.url}/_admin/touch", json={"fraction": 2})

    assert one == {"touched": 6}
    assert every == {"touched": 36}
    assert bad.status_code == 400


def test_bad_requests_get_an_operation_outcome(sim):
    practice = sim.practice(0)
    base = practice["base_url"]
    with sim.client(practice) as client:
        responses = [
            (400, client.get(f"{base}/Patient", params={"_count": "many"})),
            (400, client.get(f"{base}/Patient", params={"_lastUpdated": "lt2026-01-01"})),
            (400, client.get(f"{base}/Patient", params={"_lastUpdated": "gtyesterday"})),
            (400, client.get(f"{base}/Patient", params={"_cursor": "bm9wZQ"})),
            (404, client.get(f"{base}/Observation")),
            (404, client.get(f"{sim.url}/practices/01234567/fhir/Patient")),
            (405, client.post(f"{base}/Patient")),
        ]
    for status, response in responses:
        assert response.status_code == status, response.text
        assert response.json()["resourceType"] == "OperationOutcome"
    assert "Traceback" not in sim.stderr_text()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_cleanly(signum):
    with run_simulator("--practices", "1", "--patients-per-practice", "5") as running:
        running.process.send_signal(signum)
        code = running.process.wait(10)
        assert code == 0
        assert running.stderr_text() == ""


def test_identifier_search_returns_one_patient_changed_or_not(sim):
    practice = sim.practice(1)
    base = f"{practice['base_url']}/Patient"
    with sim.client(practice) as client:
        everyone = matches(pull(client, base, _count="500"))
        wanted = everyone[17]
        found = client.get(base, params={"identifier": f"{BSN}|{bsn_of(wanted)}"}).json()
        other = sim.practice(0)
        elsewhere = client.get(base, params={"identifier": f"{BSN}|{sim_bsn(sim, other)}"}).json()
        bad = client.get(base, params={"identifier": "urn:oid:1.2.3|123"})

    assert found["total"] == 1
    assert [p["id"] for p in matches([found])] == [wanted["id"]]
    patient_refs = {
        e["resource"].get("subject", e["resource"].get("patient", {})).get("reference")
        for e in found["entry"]
        if e["search"]["mode"] == "include" and e["resource"]["resourceType"] != "Organization"
    }
    assert patient_refs <= {f"Patient/{wanted['id']}", None}
    assert elsewhere["total"] == 0 and "entry" not in elsewhere
    assert bad.status_code == 400
    assert "identifier" in bad.json()["issue"][0]["diagnostics"]


def sim_bsn(sim, practice: dict) -> str:
    with sim.client(practice) as client:
        page = client.get(f"{practice['base_url']}/Patient", params={"_count": 1}).json()
    return bsn_of(matches([page])[0])
