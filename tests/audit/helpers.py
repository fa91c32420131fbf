import contextlib
import datetime as dt

from audit.actors import Actor
from audit.context import RequestContext, reset_current, set_current
from audit.models import Action, ConsentBasis, EventType
from audit.services import access_event_record

NURSE = Actor(
    username="triage",
    name="Sanne de Vries",
    uzi_number="900000011",
    role_code="30.000",
    portal_role="triage",
    organisation_ura="90000101",
    organisation_agb="06010001",
    organisation_name="Huisartsenpost Utrecht Stad",
)
VALID_BSNS = ("999911120", "999911132", "999911144", "999911156", "999911168")


def record_events(count: int) -> list:
    return [
        access_event_record(
            event_type=EventType.SUMMARY_VIEW,
            action=Action.READ,
            actor=NURSE,
            patient_bsn=VALID_BSNS[i % len(VALID_BSNS)],
            consent_basis=ConsentBasis.REGISTERED_CONSENT,
            detail={"n": i},
        )
        for i in range(count)
    ]


@contextlib.contextmanager
def at(when: dt.datetime):
    """Events recorded in the block carry `when` as their time, as in a request begun then."""
    token = set_current(RequestContext(started_at=when))
    try:
        yield
    finally:
        reset_current(token)
