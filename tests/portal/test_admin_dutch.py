"""The admin is Dutch: every app, model, column and filter an administrator sees has a
Dutch name, also those of the third-party apps (axes, allauth) that ship no Dutch."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.urls import reverse
from django.utils import translation

from audit.models import LedgerCheckpoint
from consent.models import Decision
from portal.models import Role
from summaries.models import GpPractice, QuarantinedItem
from tests.factories import MembershipFactory, UserFactory, enrol_totp, registration

# Words that are the same in Dutch and English, so rightly the same in both languages.
# Keep this short: anything else found equal is English left in the Dutch admin.
SAME_IN_BOTH = {
    "ID",  # Summary's primary key
    "Accounts",  # allauth's account app: Dutch says "accounts" too
    "status",  # QuarantinedItem.status
    "Status",  # axes' AccessAttempt.status column (a method without a description)
    "type",  # allauth's Authenticator.type
    "hash",  # LedgerCheckpoint.hash, as AccessEvent's "hash" and "vorige hash"
}


def list_filter_title(model, entry) -> str:
    if isinstance(entry, (tuple, list)):  # (field path, FieldListFilter class)
        entry = entry[0]
    if isinstance(entry, str):
        return get_fields_from_path(model, entry)[-1].verbose_name
    return entry.title  # a SimpleListFilter


def admin_labels(language: str) -> dict[tuple[str, str], str]:
    """What the admin calls each app, model, column and filter, keyed by where it shows."""
    labels = {}
    with translation.override(language):
        for model, model_admin in admin.site._registry.items():
            meta = model._meta
            app = apps.get_app_config(meta.app_label)
            labels[meta.label, "app"] = str(app.verbose_name)
            labels[meta.label, "verbose_name"] = str(meta.verbose_name)
            labels[meta.label, "verbose_name_plural"] = str(meta.verbose_name_plural)
            for name in model_admin.list_display:
                labels[meta.label, f"column {name}"] = str(
                    label_for_field(name, model, model_admin)
                )
            for entry in model_admin.list_filter:
                title = list_filter_title(model, entry)
                labels[meta.label, f"filter {entry}"] = str(title)
    return labels


def test_every_admin_label_has_a_dutch_text():
    english, dutch = admin_labels("en"), admin_labels("nl")
    assert english.keys() == dutch.keys()
    untranslated = [
        (*where, text)
        for where, text in dutch.items()
        if text == english[where] and text not in SAME_IN_BOTH
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_the_admin_index_names_the_apps_in_dutch(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    for dutch in ("Inlogpogingen", "Toegangspogingen", "Tweede factor", "Tweede factoren"):
        assert dutch in html
    for english in ("Axes", "Access attempts", "Authenticators", "Ledger checkpoints"):
        assert english not in html


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


@pytest.fixture
def some_of_everything():
    """A row or so in the lists whose columns come from methods or other tables."""
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        fields = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "username": "sanne"}
        if model is AccessAttempt:
            fields.update(get_data="", post_data="", failures_since_start=2)
        model.objects.create(http_accept="text/html", path_info="/accounts/login/", **fields)
    practice = GpPractice.objects.create(
        agb="01012345",
        ura="90000301",
        name="De Linde",
        fhir_base_url="http://gp.example/fhir",
        token="t",
    )
    QuarantinedItem.objects.create(
        practice=practice, reason="unreadable", payload=b"x", size_bytes=1
    )
    registration("999911120", Decision.CONSENT)
    LedgerCheckpoint.objects.create(seq=1, hash="a" * 64)


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_renders(admin_client, some_of_everything, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    with translation.override("nl"):
        assert str(model._meta.verbose_name_plural).lower() in response.content.decode().lower()
