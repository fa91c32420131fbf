from tests.triage.fixtures import nurse, patients  # noqa: F401 - fixtures
