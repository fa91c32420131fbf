from tests.triage.fixtures import corona_opt_in, nurse, patients  # noqa: F401 - fixtures
