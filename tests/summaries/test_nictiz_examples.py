"""Every published Nictiz example goes through the real path (simulator --from-dir, HTTP,
pull, store) and ends either in a summary or in quarantine with a precise reason.

The outcome of every file is listed in tests/fixtures/nictiz_outcomes.txt; the test
compares the listing with what happened (UPDATE_NICTIZ_OUTCOMES=1 rewrites it).
"""

import os
import re
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from audit.actors import Actor
from summaries.fhir import parse_page
from summaries.fhir.sections import key_of
from summaries.fhir.xml import resource_from_xml
from summaries.models import QuarantinedItem, Summary
from summaries.services.practices import practices_register
from summaries.services.pull import limits_from_settings, practice_pull
from tests.summaries.conftest import Simulator

# Nictiz's published examples, copied into the repository (tests/fixtures/nictiz/README.md).
NICTIZ = Path(__file__).resolve().parents[1] / "fixtures" / "nictiz"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OUTCOMES = FIXTURES / "nictiz_outcomes.txt"
DIRS = ("Nictiz-R4-zib2020", "Nictiz-R4-MedicationProcess", "Nictiz-STU3-Zib2017")


@pytest.fixture(scope="module")
def gp_bundle_dir(tmp_path_factory):
    """The STU3 GP bundle with the Patient it refers to by BSN but does not contain."""
    directory = tmp_path_factory.mktemp("gpdata-with-patient")
    (directory / "Bundle-gpdata2017-batch-01.xml").symlink_to(
        NICTIZ / "Nictiz-STU3-Zib2017" / "Bundle-gpdata2017-batch-01.xml"
    )
    (directory / "gpdata-patient-555555914.xml").symlink_to(
        FIXTURES / "fhir" / "gpdata-patient-555555914.xml"
    )
    return directory


@pytest.fixture(scope="module")
def examples_simulator(gp_bundle_dir):
    args = ["--practices", "0"]
    for name in DIRS:
        args += ["--from-dir", str(NICTIZ / name)]
    args += ["--from-dir", str(gp_bundle_dir)]
    sim = Simulator(*args)
    yield sim
    sim.stop()


def file_keys(path: Path) -> list[str]:
    """The resources a file holds, named as the importer names them."""
    resource = resource_from_xml(path.read_bytes())
    if resource["resourceType"] != "Bundle":
        return [key_of(resource)]
    keys = []
    for entry in resource.get("entry", []):
        entry = entry if isinstance(entry, dict) else {}
        inner = entry.get("resource") or {}
        if not inner.get("id"):
            full_url = entry.get("fullUrl") or ""
            inner["id"] = full_url.rstrip("/").replace(":", "/").rsplit("/", 1)[-1][:64]
        keys.append(key_of(inner))
    return keys


def outcome_of(key: str, placements: dict, quarantined: dict) -> str:
    if key in placements:
        bsn, where = placements[key]
        return f"summary of BSN {bsn}: {where}"
    return f"quarantined: {quarantined[key]}" if key in quarantined else "UNACCOUNTED"


@pytest.mark.django_db
def test_every_nictiz_example_is_imported_or_quarantined_with_a_reason(examples_simulator):
    listing = {p["agb"]: p for p in examples_simulator.practices()}
    lines, problems = [], []
    for k, name in enumerate([*DIRS, "gpdata-with-patient"]):
        entry = listing[f"{99_000_000 + k:08d}"]
        (practice,) = practices_register(listing=[entry], actor=Actor.system("test"))
        counts = practice_pull(practice=practice)
        assert counts.failed == 0

        # The same bytes, parsed again, say where each resource went.
        body = httpx.get(
            f"{entry['base_url']}/Patient",
            timeout=30,
            headers={"Authorization": f"Bearer {entry['token']}"},
        ).content
        result = parse_page(body, now=timezone.now(), limits=limits_from_settings())
        placements = {
            key: (s.bsn, where) for s in result.summaries for key, where in s.placement.items()
        }
        quarantined = {key: q.reason for q in result.quarantine for key in q.keys}
        quarantined.update(
            {f"{q.resource_type}/{q.resource_id}": q.reason for q in result.quarantine}
        )
        # What the pull stored is what the parse says.
        assert set(Summary.objects.filter(practice=practice).values_list("bsn", flat=True)) == {
            s.bsn for s in result.summaries
        }
        assert QuarantinedItem.objects.filter(practice=practice).count() == len(result.quarantine)

        if name in DIRS:
            files = sorted((NICTIZ / name).glob("*.xml"))
        else:
            files = [
                NICTIZ / "Nictiz-STU3-Zib2017" / "Bundle-gpdata2017-batch-01.xml",
                FIXTURES / "fhir" / "gpdata-patient-555555914.xml",
            ]
        lines.append(
            f"## {name}: {len(result.summaries)} summaries, {len(result.quarantine)} quarantined"
        )
        for path in files:
            outcomes = defaultdict(int)
            for key in file_keys(path):
                outcome = outcome_of(key, placements, quarantined)
                outcomes[_stable(outcome)] += 1
                if outcome == "UNACCOUNTED":
                    problems.append(f"{name}/{path.name}: {key}")
            summary = "; ".join(f"{n}× {o}" if n > 1 else o for o, n in sorted(outcomes.items()))
            lines.append(f"{path.name}: {summary}")
    assert problems == [], "resources neither imported nor quarantined"

    listing_text = "\n".join(lines) + "\n"
    if os.environ.get("UPDATE_NICTIZ_OUTCOMES"):
        OUTCOMES.write_text(listing_text)
    assert listing_text == OUTCOMES.read_text()


def _stable(outcome: str) -> str:
    """Outcomes without today's date, so the listing does not change every day."""
    return re.sub(r"before the window \(\d{4}-\d\d-\d\d\)", "before the 4-month window", outcome)
