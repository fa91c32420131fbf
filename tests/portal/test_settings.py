"""Settings come from the environment, with embedded defaults for a bare machine."""

import json

from tests.processes import run_python

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from portal.celery import app; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'eager': app.conf.task_always_eager, "
    "'broker': app.conf.broker_url, 'debug': s.DEBUG, "
    "'options': {k: v for k, v in s.DATABASES['default'].get('OPTIONS', {}).items() "
    "if k in ('server_side_binding', 'prepare_threshold')}}))"
)


def run_settings(tmp_path, **env_overrides):
    env = {"DATABASE_URL": None, "REDIS_URL": None, "SPOEDINZAGE_VAR_DIR": str(tmp_path)}
    return run_python(SHOW, **{**env, **env_overrides})


def test_without_database_and_redis_urls_the_portal_uses_sqlite_and_runs_tasks_in_process(
    tmp_path,
):
    result = run_settings(tmp_path, DEBUG="1", SECRET_KEY=None)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(tmp_path / "spoedinzage.sqlite3")
    assert shown["eager"] is True
    assert shown["broker"] == "memory://"


def test_with_urls_the_portal_uses_postgresql_and_the_redis_broker(tmp_path):
    result = run_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/spoed",
        REDIS_URL="redis://cache.example:6379/3",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "spoed"
    assert shown["eager"] is False
    assert shown["broker"] == "redis://cache.example:6379/3"
    # Statements prepared by the server after their 5th use on a connection.
    assert shown["options"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_switched_off_for_a_pooler(tmp_path):
    result = run_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/spoed",
        DATABASE_PREPARE_THRESHOLD="off",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["options"]["prepare_threshold"] is None


def test_a_malformed_prepare_threshold_is_named(tmp_path):
    result = run_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/spoed",
        DATABASE_PREPARE_THRESHOLD="sometimes",
    )
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD" in result.stderr.splitlines()[-1]


def test_without_debug_the_portal_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_settings(tmp_path, DEBUG="0", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_debug_the_portal_refuses_a_weak_secret_key(tmp_path):
    result = run_settings(tmp_path, DEBUG="0", SECRET_KEY="django-insecure-abc")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_a_malformed_boolean_is_named(tmp_path):
    result = run_settings(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_nesting_limit_beyond_what_the_sources_can_be_written_with_is_refused(tmp_path):
    result = run_settings(tmp_path, DEBUG="1", SUMMARY_MAX_DEPTH="300")
    assert result.returncode != 0
    assert "SUMMARY_MAX_DEPTH must be between 2 and 250" in result.stderr.splitlines()[-1]


def test_a_uzi_ca_bundle_without_a_proxy_secret_refuses_to_start(tmp_path):
    result = run_settings(tmp_path, DEBUG="1", UZI_CA_CERTS_FILE="/etc/uzi.pem", PROXY_SECRET="")
    assert result.returncode != 0
    assert "PROXY_SECRET" in result.stderr
    ok = run_settings(tmp_path, DEBUG="1", UZI_CA_CERTS_FILE="/etc/uzi.pem", PROXY_SECRET="s" * 32)
    assert ok.returncode == 0, ok.stderr
