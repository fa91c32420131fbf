import pytest


@pytest.fixture(autouse=True)
def _static_files_by_plain_name(settings):
    """The live server serves static files from the finders, which know their plain
    names, not the hashed names of the production manifest: without this the pages
    would render without their styles and scripts."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


from tests.triage.fixtures import corona_opt_in, patients  # noqa: E402, F401 - fixtures
