from tests.triage.fixtures import corona_opt_in, patients  # noqa: F401 - fixtures
