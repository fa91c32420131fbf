"""The generator in-process: deterministic content, versions, identifiers."""

from __future__ import annotations

from datetime import date

import orjson

from audit.identifiers import bsn_is_valid
from simulator.generate import patient_resources
from simulator.identifiers import bsn_for, invalid_bsn
from simulator.practices import generated_practice

TODAY = date(2026, 11, 26)


def _summary(seed: int = 42, patient: int = 4, version: int = 1, today: date = TODAY):
    practice = generated_practice(seed=seed, index=2, origin="http://sim", patients=10)
    return patient_resources(
        practice,
        seed=seed,
        today=today,
        patient=patient,
        version=version,
        bsn=bsn_for(seed, patient),
        last_updated="2026-11-25T00:00:00.004Z",
    )


def test_patient_resources_depend_only_on_their_arguments():
    assert orjson.dumps(_summary()) == orjson.dumps(_summary())
    assert orjson.dumps(_summary(seed=43)) != orjson.dumps(_summary())
    assert orjson.dumps(_summary(patient=5)) != orjson.dumps(_summary())
    assert orjson.dumps(_summary(today=date(2026, 6, 1))) != orjson.dumps(_summary())


def test_a_new_version_adds_a_lab_result_and_keeps_the_ids():
    for patient in range(10):
        first = {r["id"]: r for r in _summary(patient=patient)}
        second = {r["id"]: r for r in _summary(patient=patient, version=2)}

        added = set(second) - set(first)
        assert set(first) <= set(second)
        assert added == {f"lab-01100002-{patient:06d}-v2"}
        assert second[f"pat-01100002-{patient:06d}"]["meta"]["versionId"] == "2"


def test_a_new_version_changes_a_dose_when_there_is_medication():
    changed = 0
    for patient in range(10):
        first = {r["id"]: r for r in _summary(patient=patient)}
        second = {r["id"]: r for r in _summary(patient=patient, version=2)}
        meds = [i for i, r in first.items() if r["resourceType"].startswith("Medication")]
        changed += sum(
            1
            for i in meds
            if (first[i].get("dosageInstruction") or first[i].get("dosage"))
            != (second[i].get("dosageInstruction") or second[i].get("dosage"))
        )
        assert sum(1 for i in meds if first[i] != second[i]) <= 1
    assert changed > 0


def test_journal_and_lab_dates_lie_in_the_four_months_before_today():
    for patient in range(10):
        for r in _summary(patient=patient, version=3):
            moment = r.get("effectiveDateTime") or r.get("period", {}).get("start")
            if r["resourceType"] in ("Observation", "Encounter"):
                assert "2026-07-29" <= moment[:10] <= "2026-11-26", moment


def test_bsns_pass_the_eleven_test_and_differ():
    bsns = [bsn_for(42, n) for n in range(20_000)]

    assert all(bsn_is_valid(b) for b in bsns)
    assert len(set(bsns)) == len(bsns)
    assert not any(bsn_is_valid(invalid_bsn(b)) for b in bsns[:1000])
    assert bsn_is_valid("111222333") and not bsn_is_valid("111222334")
