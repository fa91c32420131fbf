from tests.registry.api_helpers import (  # noqa: F401 - fixtures of the API's tests
    _throttles_forgotten,
    key_a,
    key_b,
    practice_b,
)
from tests.triage.fixtures import nurse, patients  # noqa: F401 - fixtures
