"""Storing pulled summaries: batched upserts, unchanged content left alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

from consent.selectors import refused_among
from consent.sql import refusal_registered_sql
from summaries.fhir.model import PatientSummary
from summaries.models import Enrolment, GpPractice, Summary
from summaries.services.store_lock import store_lock_shared

COLUMNS = (
    "bsn",
    "birth_date",
    "source_version",
    "source_updated_at",
    "fhir_version",
    "sections",
    "source",
    "size_bytes",
)
STAGE = """
CREATE TEMP TABLE IF NOT EXISTS summary_stage (
    bsn varchar(9), birth_date date, source_version varchar(64),
    source_updated_at timestamptz, fhir_version varchar(8), sections jsonb {compression},
    source jsonb {compression}, size_bytes integer
) ON COMMIT DELETE ROWS
"""
_lz4: bool | None = None  # the server's build does not change while we run
LZ4_AVAILABLE = (
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)
# Patients with a refusal registered are left out: their summary is not kept at all.
# One statement: the stage with each patient's refusal read once, every patient's enrolment
# with the practice, the upsert of the others' summaries, and the two counts.
MERGE = f"""
WITH staged AS (
    SELECT summary_stage.*, {refusal_registered_sql("summary_stage.bsn")} AS refused
    FROM summary_stage
), enrolled AS (
    -- Every patient of the page, refused or not, is enrolled with this practice: a GP
    -- acts on their own patients (registry). Rewritten only when the practice changed.
    INSERT INTO summaries_enrolment (bsn, practice_id, since)
    SELECT bsn, %(practice)s, %(fetched_at)s FROM staged
    ON CONFLICT (bsn) DO UPDATE SET practice_id = EXCLUDED.practice_id, since = EXCLUDED.since
    WHERE summaries_enrolment.practice_id <> EXCLUDED.practice_id
), written AS (
    INSERT INTO summaries_summary (bsn, birth_date, source_version, source_updated_at,
        fhir_version, sections, source, size_bytes, practice_id, fetched_at)
    SELECT bsn, birth_date, source_version, source_updated_at, fhir_version, sections, source,
        size_bytes, %(practice)s, %(fetched_at)s
    FROM staged WHERE NOT refused
    ON CONFLICT (bsn) DO UPDATE SET
        birth_date = EXCLUDED.birth_date, source_version = EXCLUDED.source_version,
        source_updated_at = EXCLUDED.source_updated_at, fhir_version = EXCLUDED.fhir_version,
        sections = EXCLUDED.sections, source = EXCLUDED.source, size_bytes = EXCLUDED.size_bytes,
        practice_id = EXCLUDED.practice_id, fetched_at = EXCLUDED.fetched_at
    WHERE summaries_summary.source_version <> EXCLUDED.source_version
       OR summaries_summary.practice_id <> EXCLUDED.practice_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM staged WHERE refused)
"""  # noqa: S608 (our SQL; values are parameters)


@dataclass
class StoreCounts:
    imported: int = 0
    unchanged: int = 0
    not_kept: int = 0  # a refusal is registered for the patient


def _rows(items: list[PatientSummary]):
    for item in items:
        yield (
            item.bsn,
            item.birth_date,
            item.source_version,
            item.source_updated_at,
            item.summary.fhir_version,
            item.summary.to_json().decode(),
            item.source_bytes.decode(),
            len(item.source_bytes),
        )


@transaction.atomic
def summaries_store(
    *, practice: GpPractice, items: list[PatientSummary], fetched_at: dt.datetime
) -> StoreCounts:
    """Upsert a page's summaries in one batch; a summary whose content is unchanged
    is not rewritten (it keeps its fetch time), so running a pull twice changes nothing."""
    if not items:
        return StoreCounts()
    if connection.vendor == "postgresql":
        written, refused = _store_postgresql(practice, items, fetched_at)
    else:
        written, refused = _store_portable(practice, items, fetched_at)
    return StoreCounts(imported=written, unchanged=len(items) - written - refused, not_kept=refused)


def _store_postgresql(
    practice: GpPractice, items: list[PatientSummary], fetched_at
) -> tuple[int, int]:
    # COPY into a session-local staging table, then one INSERT … ON CONFLICT:
    # one round trip of data, one statement of index maintenance.
    global _lz4
    # Before the registry is read: a purge under way (a refusal being registered)
    # commits first, and its refusal is then seen (summaries.services.store_lock).
    store_lock_shared()
    with connection.cursor() as cursor:
        if _lz4 is None:
            cursor.execute(LZ4_AVAILABLE)
            _lz4 = bool(cursor.fetchone()[0])
        # lz4 compresses the summaries' JSON several times faster than pglz
        # (migration 0002 sets it on the table itself).
        cursor.execute(STAGE.format(compression="COMPRESSION lz4" if _lz4 else ""))
        with cursor.copy(f"COPY summary_stage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in _rows(items):
                copy.write_row(row)
        cursor.execute(MERGE, {"practice": practice.pk, "fetched_at": fetched_at})
        written, refused = cursor.fetchone()
        cursor.execute("TRUNCATE summary_stage")
    return written, refused


def _store_portable(
    practice: GpPractice, items: list[PatientSummary], fetched_at
) -> tuple[int, int]:
    """The embedded default (SQLite): one read of refusals and current versions, one bulk
    upsert."""
    _enrol_portable(practice, [i.bsn for i in items], fetched_at)
    refused = refused_among([i.bsn for i in items])
    items = [i for i in items if i.bsn not in refused]
    current = {
        bsn: (version, practice_id)
        for bsn, version, practice_id in Summary.objects.filter(
            bsn__in=[i.bsn for i in items]
        ).values_list("bsn", "source_version", "practice_id")
    }
    changed = {i.bsn: i for i in items if current.get(i.bsn) != (i.source_version, practice.pk)}
    Summary.objects.bulk_create(
        [
            Summary(
                bsn=i.bsn,
                birth_date=i.birth_date,
                practice=practice,
                source_version=i.source_version,
                source_updated_at=i.source_updated_at,
                fetched_at=fetched_at,
                fhir_version=i.summary.fhir_version,
                sections=i.summary.sections(),
                source=i.source,
                size_bytes=len(i.source_bytes),
            )
            for i in changed.values()
        ],
        update_conflicts=True,
        unique_fields=["bsn"],
        update_fields=[
            "birth_date",
            "practice",
            "source_version",
            "source_updated_at",
            "fetched_at",
            "fhir_version",
            "sections",
            "source",
            "size_bytes",
        ],
    )
    return len(changed), len(refused)


def _enrol_portable(practice: GpPractice, bsns: list[str], fetched_at) -> None:
    """As the enrolled step of MERGE: new patients enrolled, moved ones re-enrolled."""
    current = dict(Enrolment.objects.filter(bsn__in=bsns).values_list("bsn", "practice_id"))
    Enrolment.objects.bulk_create(
        [
            Enrolment(bsn=bsn, practice=practice, since=fetched_at)
            for bsn in bsns
            if current.get(bsn) != practice.pk
        ],
        update_conflicts=True,
        unique_fields=["bsn"],
        update_fields=["practice", "since"],
    )
