"""`manage.py check --deploy` with the settings of a production deployment (deploy/nginx.conf)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def deploy_check(**overrides: str | None) -> subprocess.CompletedProcess:
    """Run the check in a fresh process: settings are read from the environment once."""
    # The suite's own environment (database, keys) minus anything that tunes the checked
    # settings, which must hold by default, and minus the test-only async switch
    # (tests/conftest.py), which the check rightly refuses.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SECURE_") and name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="spoedinzage.example.nl",
        CSRF_TRUSTED_ORIGINS="https://spoedinzage.example.nl",
        TRUSTED_PROXIES="127.0.0.1",  # nginx on the same host, as in deploy/nginx.conf
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_warns_without_a_tls_proxy_to_redirect_behind():
    """Without a trusted proxy Django cannot tell https from http, so it does not redirect;
    the check says so rather than the portal looping on redirects."""
    result = deploy_check(TRUSTED_PROXIES=None)
    assert result.returncode == 1
    assert "security.W008" in result.stderr
