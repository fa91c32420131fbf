"""The practices' bearer tokens: encrypted in the database, readable with any configured key,
re-encrypted by rotation, never shown by the admin; production refuses to start without a
key (issue 11, item 9)."""

import json
import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.actors import Actor
from audit.models import AccessEvent, EventType
from portal.models import Role
from summaries.models import GpPractice
from summaries.services.practices import practice_add
from summaries.services.pull import practice_pull
from tests.factories import MembershipFactory, UserFactory, enrol_totp
from tests.processes import run_python
from tests.summaries.conftest import fresh

pytestmark = pytest.mark.django_db

TOKEN = "bearer-token-the-practice-issued-0123456789"
OLD_KEY, NEW_KEY, LOST_KEY = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def keys(settings):
    settings.PRACTICE_TOKEN_KEYS = [OLD_KEY]
    return settings


def registered(token: str = TOKEN, agb: str = "01012345"):
    practice, _ = practice_add(
        agb=agb,
        ura="90000301",
        name="De Linde",
        url="http://gp.example/fhir",
        token=token,
        actor=Actor.system("test"),
    )
    return practice


def stored(practice) -> str:
    """The column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM summaries_gppractice WHERE id = %s", [practice.pk])
        return cursor.fetchone()[0]


def test_practice_add_stores_the_token_encrypted(keys):
    practice = registered()
    column = stored(practice)
    assert TOKEN not in column
    assert Fernet(OLD_KEY).decrypt(column.encode()).decode() == TOKEN
    assert fresh(practice).token == TOKEN


def test_practice_pull_authenticates_with_the_stored_token(practices, simulator):
    practice = practices[0]
    issued = {entry["agb"]: entry["token"] for entry in simulator.practices()}[practice.agb]
    assert issued not in stored(practice)
    counts = practice_pull(practice=fresh(practice))
    assert (counts.imported, counts.failed) == (25, 0)


def test_a_token_no_key_decrypts_fails_that_practices_pull_only(practices, settings):
    unreadable, *others = practices
    keys = settings.PRACTICE_TOKEN_KEYS
    settings.PRACTICE_TOKEN_KEYS = [LOST_KEY]
    unreadable.token = "encrypted with a key that is gone"
    unreadable.save(update_fields=["token"])
    settings.PRACTICE_TOKEN_KEYS = keys

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=f"failed for 1 practice.*AGB {unreadable.agb}"):
        call_command("pull_summaries", stdout=out, stderr=err, verbosity=0)
    assert out.getvalue().strip() == "imported 50, unchanged 0, quarantined 0, failed 1"
    unreadable = fresh(unreadable)
    assert unreadable.consecutive_failures == 1 and unreadable.lease_until is None
    assert "cannot be decrypted with any of PRACTICE_TOKEN_KEYS" in unreadable.last_error
    assert all(fresh(practice).healthy for practice in others)


def test_practice_tokens_rotate_reencrypts_with_the_first_key(keys):
    practice = registered()
    before = stored(practice)
    keys.PRACTICE_TOKEN_KEYS = [NEW_KEY, OLD_KEY]
    assert fresh(practice).token == TOKEN  # the old key still decrypts

    out = StringIO()
    call_command("practice_tokens_rotate", stdout=out)
    assert out.getvalue().strip() == "1 practice token(s) re-encrypted with the first key"
    after = stored(practice)
    assert after != before and TOKEN not in after
    assert Fernet(NEW_KEY).decrypt(after.encode()).decode() == TOKEN
    keys.PRACTICE_TOKEN_KEYS = [NEW_KEY]  # now the old key can go
    assert fresh(practice).token == TOKEN
    event = AccessEvent.objects.filter(event_type=EventType.ADMIN_CHANGE).last()
    assert event.detail == {"object": "gp_practice", "tokens_reencrypted": 1}
    assert event.user_username == "system:practice_tokens_rotate"


def test_practice_tokens_rotate_changes_nothing_while_a_token_is_unreadable(keys):
    readable = registered()
    keys.PRACTICE_TOKEN_KEYS = [LOST_KEY]
    unreadable = registered(token="other-token", agb="01012346")
    keys.PRACTICE_TOKEN_KEYS = [NEW_KEY, OLD_KEY]
    before = stored(readable), stored(unreadable)

    with pytest.raises(CommandError, match="nothing re-encrypted: AGB 01012346: .* cannot be"):
        call_command("practice_tokens_rotate", stdout=StringIO())
    assert (stored(readable), stored(unreadable)) == before


def test_the_migration_encrypts_the_stored_tokens_and_its_reverse_decrypts_them(keys):
    before, after = (
        ("summaries", "0003_summary_kept_function"),
        ("summaries", "0004_encrypt_practice_tokens"),
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([before])
        old_model = executor.loader.project_state([before]).apps.get_model(
            "summaries", "GpPractice"
        )
        practice = old_model.objects.create(
            agb="01012345", name="De Linde", fhir_base_url="http://gp.example/fhir", token=TOKEN
        )
        assert stored(practice) == TOKEN

        executor.loader.build_graph()
        executor.migrate([after])
        assert TOKEN not in stored(practice)
        assert Fernet(OLD_KEY).decrypt(stored(practice).encode()).decode() == TOKEN

        executor.loader.build_graph()
        executor.migrate([before])
        assert stored(practice) == TOKEN
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- Settings: production refuses to start without usable keys ---------------------------

SHOW_KEYS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.PRACTICE_TOKEN_KEYS))"
)


def settings_in_a_new_process(tmp_path, **env):
    return run_python(
        SHOW_KEYS, DATABASE_URL=None, REDIS_URL=None, SPOEDINZAGE_VAR_DIR=str(tmp_path), **env
    )


def test_without_debug_settings_refuse_to_start_without_practice_token_keys(tmp_path):
    result = settings_in_a_new_process(tmp_path, DEBUG="0", PRACTICE_TOKEN_KEYS=None)
    assert result.returncode != 0
    assert "PRACTICE_TOKEN_KEYS is not set" in result.stderr.splitlines()[-1]


def test_settings_name_a_malformed_practice_token_key_without_showing_it(tmp_path):
    result = settings_in_a_new_process(
        tmp_path, DEBUG="0", PRACTICE_TOKEN_KEYS=f"{NEW_KEY},not-a-fernet-key"
    )
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert "PRACTICE_TOKEN_KEYS: key 2 of 2 is not a Fernet key" in last
    assert "not-a-fernet-key" not in result.stderr


def test_with_debug_a_development_key_is_derived_from_the_secret_key(tmp_path):
    shown = [
        settings_in_a_new_process(tmp_path, DEBUG="1", PRACTICE_TOKEN_KEYS=None, SECRET_KEY=key)
        for key in (None, "another-development-secret-key-0123456789")
    ]
    assert [result.returncode for result in shown] == [0, 0], shown[0].stderr
    keys = [json.loads(result.stdout) for result in shown]
    assert all(len(k) == 1 and Fernet(k[0]) for k in keys) and keys[0] != keys[1]


# --- The admin: write-only ----------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    membership = MembershipFactory(
        user=UserFactory(username="beheer", is_staff=True, is_superuser=True),
        role=Role.ADMIN,
        uzi_role_code="00.000",
    )
    enrol_totp(membership.user)
    client.force_login(membership.user)
    return client


def change_form(practice, **changes) -> dict:
    return {
        "agb": practice.agb,
        "ura": practice.ura,
        "name": practice.name,
        "fhir_base_url": practice.fhir_base_url,
        "new_token": "",
        "is_active": "on",
        "pull_interval_minutes": str(practice.pull_interval_minutes),
        "next_pull_at_0": "",
        "next_pull_at_1": "",
        **changes,
    }


def token_set_shown(html: str) -> str:
    """The admin's "bearer token set" column or field: 'yes' or 'no'."""
    return re.search(r'field-token_set".*?<img src="[^"]*icon-(yes|no)', html, re.S)[1]


def test_the_admin_never_shows_the_token(admin_client, keys):
    practice = registered()
    pages = [
        admin_client.get("/admin/summaries/gppractice/"),
        admin_client.get(f"/admin/summaries/gppractice/{practice.pk}/change/"),
    ]
    assert [page.status_code for page in pages] == [200, 200]
    for page in pages:
        html = page.content.decode()
        assert TOKEN not in html and stored(practice) not in html
        assert token_set_shown(html) == "yes"  # only that one is set
    assert '<input type="password" name="new_token"' in pages[1].content.decode()


def test_saving_the_admin_form_with_an_empty_token_keeps_the_current_one(admin_client, keys):
    practice = registered()
    column = stored(practice)
    url = f"/admin/summaries/gppractice/{practice.pk}/change/"

    response = admin_client.post(url, change_form(practice, name="De Linde (Zuid)"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert (fresh(practice).name, fresh(practice).token) == ("De Linde (Zuid)", TOKEN)
    assert stored(practice) == column  # not even re-encrypted

    response = admin_client.post(url, change_form(practice, new_token="a-new-token"))
    assert response.status_code == 302
    assert fresh(practice).token == "a-new-token" and "a-new-token" not in stored(practice)
    events = AccessEvent.objects.filter(event_type=EventType.ADMIN_CHANGE)
    assert not any("a-new-token" in json.dumps(event.detail) for event in events)


def test_adding_a_practice_in_the_admin_needs_a_token_and_stores_it_encrypted(admin_client, keys):
    url = "/admin/summaries/gppractice/add/"
    new = {
        "agb": "01012345",
        "ura": "90000301",
        "name": "De Linde",
        "fhir_base_url": "http://gp.example/fhir",
        "is_active": "on",
        "pull_interval_minutes": "60",
        "next_pull_at_0": "",
        "next_pull_at_1": "",
    }
    refused = admin_client.post(url, {**new, "new_token": ""})
    assert refused.status_code == 200 and not GpPractice.objects.exists()
    assert list(refused.context["adminform"].form.errors) == ["new_token"]

    assert admin_client.post(url, {**new, "new_token": TOKEN}).status_code == 302
    practice = GpPractice.objects.get()
    assert practice.token == TOKEN and TOKEN not in stored(practice)
