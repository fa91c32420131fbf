"""Production settings plus one hello-world view, for bench/lookup.py's baseline."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Static files of the bench's own, collected by bench/lookup.py at every start: the tests'
# collectstatic into var/staticfiles (or none, on a fresh clone) cannot change what the
# measured pages link to.
STATIC_ROOT = VAR_DIR / "bench" / "staticfiles"  # noqa: F405
