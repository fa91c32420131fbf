from tests.triage.fixtures import patients  # noqa: F401 - fixtures
