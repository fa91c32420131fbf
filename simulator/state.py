"""Change tracking: one clock for the whole simulator and an append-only change log per
practice, so that a search can page over a fixed snapshot while patients keep changing."""

from __future__ import annotations

import bisect
import threading
import time
from datetime import UTC, datetime

NEVER = 2**62  # "not superseded": later than any instant in ms


class Clock:
    """Millisecond clock that never repeats or goes back.

    Touches and search snapshots both take their instant from it under `lock`, so a touch
    either lands at or before a snapshot (and is in that search) or strictly after it (and is
    in the next `_lastUpdated=gt<snapshot>` search): no change is lost between two pulls.
    """

    def __init__(self, floor_ms: int) -> None:
        self.lock = threading.Lock()
        self._last = floor_ms

    @property
    def last(self) -> int:
        """The latest instant handed out."""
        return self._last

    def tick(self) -> int:
        """Next instant; the caller holds `lock`."""
        self._last = max(time.time_ns() // 1_000_000, self._last + 1)
        return self._last


class ChangeLog:
    """Versions of one practice's patients as (time, patient, version) rows, sorted by time.

    Row i is the state of `patients[i]` from `times[i]` until `superseded[i]`. Rows are only
    appended (under the clock lock); a search fixes `hi = rows_until(snapshot)` and reads rows
    below it, whose content no later touch changes: a touch only moves `superseded` of the
    patient's current row from NEVER to an instant after every existing snapshot.
    """

    def __init__(self, patients: int, base_ms: int) -> None:
        # Initial versions are spaced 1 ms apart in patient order: stable, distinct sort keys.
        self.times = [base_ms + i for i in range(patients)]
        self.patients = list(range(patients))
        self.versions = [1] * patients
        self.superseded = [NEVER] * patients
        self.current = list(range(patients))  # patient -> row of its current version

    def touch(self, patient: int, at_ms: int) -> None:
        """Record a new version of `patient`; the caller holds the clock lock."""
        row = self.current[patient]
        self.times.append(at_ms)
        self.patients.append(patient)
        self.versions.append(self.versions[row] + 1)
        self.superseded.append(NEVER)
        self.superseded[row] = at_ms
        self.current[patient] = len(self.times) - 1

    def rows_after(self, since_ms: int | None) -> int:
        return 0 if since_ms is None else bisect.bisect_right(self.times, since_ms)

    def rows_until(self, snapshot_ms: int) -> int:
        return bisect.bisect_right(self.times, snapshot_ms)

    def count_live(self, lo: int, hi: int, snapshot_ms: int) -> int:
        """Patients whose version as of the snapshot changed in rows [lo, hi)."""
        superseded = self.superseded
        return sum(1 for row in range(lo, hi) if superseded[row] > snapshot_ms)

    def page(self, pos: int, hi: int, snapshot_ms: int, count: int) -> tuple[list[int], int]:
        """Up to `count` live rows from `pos`, and the position after the last one."""
        superseded = self.superseded
        rows: list[int] = []
        while pos < hi and len(rows) < count:
            if superseded[pos] > snapshot_ms:
                rows.append(pos)
            pos += 1
        return rows, pos


def instant(ms: int) -> str:
    """FHIR instant with milliseconds, UTC."""
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_instant_ms(text: str) -> int:
    """Milliseconds since the epoch of a FHIR instant/dateTime (UTC when it has no zone).

    Sub-millisecond digits are cut off, so `gt` against our own millisecond instants stays
    exact. Raises ValueError with a readable message.
    """
    value = text.strip().replace(" ", "+")  # an unencoded '+' in the query arrives as ' '
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a FHIR instant: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
