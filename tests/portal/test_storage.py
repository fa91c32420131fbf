"""The static files storage of production (DEBUG off): hashed URLs, each worked out once."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from portal.storage import StaticFilesStorage


@pytest.fixture
def storage():
    return StaticFilesStorage()


def test_production_uses_it():
    assert isinstance(staticfiles_storage, StaticFilesStorage)


def test_a_url_is_the_hashed_one_whitenoise_gives(storage):
    url = storage.url("css/portal.css")
    assert url == CompressedManifestStaticFilesStorage().url("css/portal.css")
    assert url.startswith("/static/css/portal.") and url != "/static/css/portal.css"


def test_a_url_is_worked_out_once(storage):
    first = storage.url("css/portal.css")
    storage.hashed_files = {}  # the manifest is not asked again
    assert storage.url("css/portal.css") == first
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/another.css")
