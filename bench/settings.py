"""Production settings plus one hello-world view, for bench/lookup.py's baseline."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
