"""Real processes for tests: a Celery worker against the test database, a Python child."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


def test_database_url() -> str:
    """The URL of the database pytest-django created, for child processes."""
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


def run_python(code: str, **env: str | None) -> subprocess.CompletedProcess:
    """`code` in a Python process of its own, in the project directory, with this process's
    environment changed by `env` (None removes a variable): settings as a fresh process
    reads them."""
    merged = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={name: value for name, value in merged.items() if value is not None},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@contextmanager
def celery_worker(**env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A worker process on a private queue (so no other worker takes its tasks)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--queues",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env={**os.environ, "DATABASE_URL": test_database_url(), **env},
        cwd=settings.BASE_DIR,
    )
    try:
        yield queue, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
