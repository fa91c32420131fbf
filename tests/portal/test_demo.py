import os
import signal
import socket
import subprocess
import time
import urllib.request
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.demo import ACCOUNTS, demo_totp_secret
from portal.models import Membership, Organisation, Role, User


@pytest.mark.django_db
def test_demo_seed_creates_one_account_per_role_and_is_idempotent(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "first-demo-password")
    call_command("demo_seed", stdout=StringIO())
    monkeypatch.setenv("DEMO_PASSWORD", "second-demo-password")
    out = StringIO()
    call_command("demo_seed", stdout=out)

    assert Organisation.objects.count() == 3
    assert User.objects.count() == len(ACCOUNTS) == 5
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # The password printed is the one that works.
    assert "password for all: second-demo-password" in out.getvalue()
    triage = User.objects.get(username="triage")
    assert triage.check_password("second-demo-password")
    assert not triage.check_password("first-demo-password")
    # Enrolled with TOTP, its secret printed beside the account.
    secret = demo_totp_secret(triage)
    assert secret in out.getvalue()
    nurse = Membership.objects.get(user__username="triage")
    assert (nurse.organisation.kind, nurse.uzi_role_code) == ("hap", "30.000")
    gp = Membership.objects.get(user__username="huisarts")
    assert (gp.organisation.kind, gp.uzi_role_code) == ("gp_practice", "01.015")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_on_embedded_defaults_serves_the_login_page_and_prints_the_accounts(tmp_path):
    """What `make run` does after installing, on a bare machine: no DATABASE_URL, no REDIS_URL.

    It starts the GP practice simulator and fills the portal through the real pull path.
    """
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(
        SPOEDINZAGE_VAR_DIR=str(tmp_path),
        WEB_PORT=str(port),
        SIMULATOR_PORT=str(_free_port()),
        DEMO_PASSWORD="demo-pass-from-env",
        DEMO_PRACTICES="2",
        DEMO_PATIENTS_PER_PRACTICE="20",
    )
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["scripts/run-demo.sh"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/accounts/login/", process, log)
        assert "Aanmelden" in page
        output = log.read_text()
        for username in ("triage", "seharts", "huisarts", "supervisor", "admin"):
            assert f"  {username} " in output
        assert "password for all: demo-pass-from-env" in output
        assert "2 GP practices registered" in output
        assert "imported 40, unchanged 0, quarantined 0, failed 0" in output
        assert "registered consent" in output and "no choice (blank)" in output
        assert (tmp_path / "spoedinzage.sqlite3").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen, log) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run stopped early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"no login page at {url} within 120 s:\n{log.read_text()}")
