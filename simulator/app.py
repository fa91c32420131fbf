"""The simulator's state and operations, independent of HTTP: practices, searches, touches."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from simulator import bundle
from simulator.bundle import Cursor, PatientEntries
from simulator.cache import EntryCache
from simulator.faults import FaultBox, make_invalid
from simulator.fromdir import SourceDir, json_bundle, xml_bundle
from simulator.generate import patient_resources, rng_for
from simulator.identifiers import bsn_for
from simulator.practices import Practice, directory_practice, generated_practice
from simulator.resources import practice_resources
from simulator.state import ChangeLog, Clock, instant, parse_instant_ms

MAX_COUNT = 500
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
JSON = "application/fhir+json"
XML = "application/fhir+xml"


class SearchError(ValueError):
    """A search parameter the simulator cannot honour (answered with 400)."""


@dataclass(frozen=True, slots=True)
class Page:
    content_type: str
    body: bytes


class Simulator:
    def __init__(
        self,
        *,
        seed: int,
        practices: int,
        patients: int,
        today: date,
        origin: str,
        page_size: int = 50,
        from_dirs: tuple[Path, ...] = (),
        cache_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.seed = seed
        self.today = today
        self.origin = origin
        self.page_size = page_size
        self.patients_per_practice = patients
        self.cache = EntryCache(cache_bytes)
        self.stopping = threading.Event()  # set on shutdown: held requests let go
        self.practices: list[Practice] = [
            generated_practice(seed=seed, index=i, origin=origin, patients=patients)
            for i in range(practices)
        ]
        self.sources: dict[str, SourceDir] = {}
        for k, directory in enumerate(from_dirs):
            source = SourceDir(directory)
            practice = directory_practice(
                seed=seed,
                index=len(self.practices),
                k=k,
                origin=origin,
                directory=directory,
                fhir_version=source.fhir_version,
                patients=source.patients,
            )
            self.practices.append(practice)
            self.sources[practice.agb] = source
        self.by_agb = {p.agb: p for p in self.practices}
        self.faults = {p.agb: FaultBox() for p in self.practices}
        # Initial versions date from the day before --today, 1 ms apart, so that a first pull
        # sees a stable order and any touch, whatever the wall clock, comes after them.
        start = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        base_ms = int(start.timestamp()) * 1000
        self.clock = Clock(floor_ms=base_ms + patients)
        self.logs = {p.agb: ChangeLog(p.patients, base_ms) for p in self.practices if p.generated}
        self._includes = {
            p.agb: bundle.entries(p.base_url, practice_resources(p), "include")
            for p in self.practices
            if p.generated
        }
        self._touches = 0
        self._by_bsn: dict[str, dict[str, int]] = {}  # agb -> BSN -> patient, built on demand

    def listing(self) -> list[dict[str, object]]:
        return [
            {
                "agb": p.agb,
                "ura": p.ura,
                "name": p.name,
                "base_url": p.base_url,
                "token": p.token,
                "patients": p.patients,
                "fhir_version": p.fhir_version,
            }
            for p in self.practices
        ]

    # --- the summaries -------------------------------------------------------------------

    def patient_entries(self, practice: Practice, patient: int, version: int) -> PatientEntries:
        key = (practice.index, patient, version)
        cached = self.cache.get(key)
        if cached is None:
            cached = bundle.patient_entries(
                practice.base_url, self.resources(practice, patient, version)
            )
            self.cache.put(key, cached)
        return cached

    def resources(self, practice: Practice, patient: int, version: int) -> list[dict]:
        return patient_resources(
            practice,
            seed=self.seed,
            today=self.today,
            patient=patient,
            version=version,
            bsn=bsn_for(self.seed, practice.index * self.patients_per_practice + patient),
            last_updated=bundle.LAST_UPDATED_SLOT,
        )

    def search(
        self, practice: Practice, query: dict[str, list[str]], self_url: str, invalid: str | None
    ) -> Page:
        if not practice.generated:
            return self._search_directory(practice, query, self_url)
        count = _count(query, self.page_size)
        log = self.logs[practice.agb]
        if "identifier" in query:
            return self._search_identifier(practice, query, self_url)
        if "_cursor" in query:
            try:
                cursor = Cursor.decode(query["_cursor"][0])
            except ValueError as exc:
                raise SearchError(str(exc)) from None
            if cursor.snapshot_ms > self.clock.last or cursor.position > len(log.times):
                raise SearchError("_cursor is not one this server issued")
            hi = log.rows_until(cursor.snapshot_ms)
        else:
            since = _since(query)
            with self.clock.lock:
                snapshot_ms = self.clock.tick()
                hi = log.rows_until(snapshot_ms)
            lo = log.rows_after(since)
            cursor = Cursor(snapshot_ms, lo, log.count_live(lo, hi, snapshot_ms), 0)
        rows, after = log.page(cursor.position, hi, cursor.snapshot_ms, count)
        emitted = cursor.emitted + len(rows)
        next_url = None
        if rows and emitted < cursor.total:
            following = Cursor(cursor.snapshot_ms, after, cursor.total, emitted).encode()
            next_url = f"{practice.base_url}/Patient?_count={count}&_cursor={following}"
        parts = [self._includes[practice.agb]] if rows else []
        for n, row in enumerate(rows):
            patient, version = log.patients[row], log.versions[row]
            if n == 0 and invalid:
                resources = self.resources(practice, patient, version)
                replace = make_invalid(invalid, resources)
                entries = bundle.patient_entries(practice.base_url, resources, replace)
            else:
                entries = self.patient_entries(practice, patient, version)
            parts.append(entries.join(instant(log.times[row])))
        body = bundle.searchset(
            snapshot=instant(cursor.snapshot_ms),
            total=cursor.total,
            self_url=self_url,
            next_url=next_url,
            parts=parts,
        )
        return Page(JSON, body)

    def _search_identifier(
        self, practice: Practice, query: dict[str, list[str]], self_url: str
    ) -> Page:
        """`identifier=<BSN system>|<BSN>`: the patient's current version, changed or not
        (the portal asks for one patient again after a choice lets it keep the summary)."""
        bsn = _bsn(query)
        if practice.agb not in self._by_bsn:
            first = practice.index * self.patients_per_practice
            self._by_bsn[practice.agb] = {
                bsn_for(self.seed, first + n): n for n in range(practice.patients)
            }
        patient = self._by_bsn[practice.agb].get(bsn)
        log = self.logs[practice.agb]
        with self.clock.lock:
            snapshot_ms = self.clock.tick()
            row = None if patient is None else log.current[patient]
        parts = []
        if row is not None:
            entries = self.patient_entries(practice, patient, log.versions[row])
            parts = [self._includes[practice.agb], entries.join(instant(log.times[row]))]
        body = bundle.searchset(
            snapshot=instant(snapshot_ms),
            total=0 if row is None else 1,
            self_url=self_url,
            next_url=None,
            parts=parts,
        )
        return Page(JSON, body)

    def _search_directory(
        self, practice: Practice, query: dict[str, list[str]], self_url: str
    ) -> Page:
        # Files carry real modification times, so this practice's snapshots use the wall
        # clock rather than the simulator clock (which --today may have moved ahead).
        # An identifier search is validated, then answered with every file, as a lenient
        # FHIR server answers a parameter it does not support: a directory is small, and
        # linking its resources to one patient is the importer's work, not the simulator's.
        if "identifier" in query:
            _bsn(query)
        _count(query, self.page_size)  # validated, then ignored: one page holds every file
        since = _since(query)
        snapshot = instant(time.time_ns() // 1_000_000)
        source = self.sources[practice.agb]
        every = source.files()
        # One page, one format: XML when any file is XML, JSON files then converted (and a
        # JSON file XML cannot carry left out, as start-up said); JSON when all are JSON.
        kind = source.kind_of(every)
        files = [f for f in every if since is None or f.mtime_ms > since]
        if kind == "xml":
            files = [f for f in files if f.as_xml() is not None]
        build = xml_bundle if kind == "xml" else json_bundle
        body = build(base=practice.base_url, files=files, snapshot=snapshot, self_url=self_url)
        return Page(XML if kind == "xml" else JSON, body)

    # --- changes ---------------------------------------------------------------------------

    def touch(
        self,
        practices: list[Practice],
        *,
        fraction: float | None = None,
        patients: list[int] | None = None,
    ) -> int:
        """New versions for some patients of each practice, all stamped with one instant."""
        chosen: dict[str, list[int]] = {}
        with self.clock.lock:
            self._touches += 1
            for practice in practices:
                if not practice.generated:
                    continue
                if patients is not None:
                    picked = sorted({p for p in patients if 0 <= p < practice.patients})
                else:
                    k = round((fraction or 0.0) * practice.patients)
                    rng = rng_for("touch", self.seed, practice.agb, self._touches)
                    picked = sorted(rng.sample(range(practice.patients), k))
                chosen[practice.agb] = picked
            at_ms = self.clock.tick()
            for agb, picked in chosen.items():
                log = self.logs[agb]
                for patient in picked:
                    log.touch(patient, at_ms)
        return sum(len(picked) for picked in chosen.values())


def _count(query: dict[str, list[str]], default: int) -> int:
    raw = query.get("_count", [str(default)])[-1]
    try:
        count = int(raw)
    except ValueError:
        raise SearchError(f"_count must be a number, not {raw!r}") from None
    if count < 0:
        raise SearchError("_count must not be negative")
    return min(count, MAX_COUNT)


def _bsn(query: dict[str, list[str]]) -> str:
    """The BSN of `identifier=<BSN system>|<BSN>` (the only identifier search supported)."""
    values = query["identifier"]
    system, bar, value = values[-1].rpartition("|")
    if len(values) != 1 or not bar or system != BSN_SYSTEM:
        raise SearchError(f"identifier must be one {BSN_SYSTEM}|<BSN>")
    if not (len(value) == 9 and value.isdigit()):
        raise SearchError("identifier: a BSN has 9 digits")
    return value


def _since(query: dict[str, list[str]]) -> int | None:
    """The `_lastUpdated` lower bound in ms (exclusive); only gt and ge are supported."""
    since = None
    for value in query.get("_lastUpdated", []):
        prefix, moment = value[:2], value[2:]
        if prefix not in ("gt", "ge"):
            raise SearchError("_lastUpdated supports only the gt and ge prefixes")
        try:
            ms = parse_instant_ms(moment)
        except ValueError as exc:
            raise SearchError(f"_lastUpdated: {exc}") from None
        bound = ms if prefix == "gt" else ms - 1
        since = bound if since is None else max(since, bound)
    return since
