"""A relative or a neighbour: a patient who shares the user's surname or postal code."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from oversight.monitoring.registry import Finding, Kind, rule
from oversight.monitoring.rules.common import VIEW, VIEWS
from oversight.monitoring.window import TABLE, Window
from portal.models import Membership, Organisation, User
from summaries.models import Summary


def _tables() -> dict[str, str]:
    """The staff's and the summaries' tables (oversight sits above portal and summaries)."""
    return {
        "user": User._meta.db_table,
        "membership": Membership._meta.db_table,
        "organisation": Organisation._meta.db_table,
        "summary": Summary._meta.db_table,
    }


def _as_words(text: str) -> str:
    """A name as lower-case words between spaces: " jansen de vries " holds " de vries "
    and " jansen " (a hyphen is a space), not " vries" within " devries "."""
    return f"' ' || lower(regexp_replace(trim({text}), '[[:space:]-]+', ' ', 'g')) || ' '"


# The parser keeps the patient's name as one text and the address as "street, postal code
# city" (summaries.fhir.read.human_name, address_text): a Dutch postal code, "1234 AB".
_PATIENT_NAME = _as_words("p.patient ->> 'name'")
_PATIENT_POSTAL_CODE = (
    "upper(replace(substring(p.patient ->> 'address' FROM '[1-9][0-9]{3} ?[A-Za-z]{2}'), ' ', ''))"
)


@rule(
    Kind.SHARED_NAME_OR_ADDRESS,
    reads=frozenset({VIEW}),
    explanation=lambda: _(
        "This user viewed the summary of a patient whose name holds the user's surname, or "
        "whose postal code is the one the organisation registered for the user: a relative "
        "or a neighbour, perhaps. Looking up family or neighbours is not allowed unless "
        "they are in the user's care."
    ),
)
def shared_name_or_address(window: Window) -> list[Finding]:
    """The patient's name and address as the stored summary has them now; the user's
    surname from their account (User.last_name), their postal code from their membership
    of the organisation the view was for (Membership.postal_code, as the organisation
    registered it). MONITORING_SHARED_SIGNALS says which of the two count. A surname
    shorter than two letters is not compared."""
    signals = set(settings.MONITORING_SHARED_SIGNALS)
    if not signals & {"surname", "postal_code"}:
        return []
    t = _tables()
    sql = f"""
    WITH viewed AS MATERIALIZED (
        SELECT DISTINCT username, ura, bsn FROM {TABLE} WHERE is_new AND {VIEWS} AND bsn <> ''
    ), staff AS MATERIALIZED (
        SELECT v.*, {_as_words("u.last_name")} AS surname,
               coalesce(m.postal_code, '') AS postal_code
        FROM viewed v
        JOIN {t["user"]} u ON u.username = v.username
        LEFT JOIN {t["organisation"]} o ON o.ura = v.ura AND v.ura <> ''
        LEFT JOIN {t["membership"]} m ON m.user_id = u.id AND m.organisation_id = o.id
    ), patients AS MATERIALIZED (
        -- A summary is some 10 KB of jsonb: read (and decompressed) once per patient, and
        -- only its patient part kept.
        SELECT s.bsn, s.sections -> 'patient' AS patient
        FROM {t["summary"]} s WHERE s.bsn IN (SELECT bsn FROM viewed)
    ), compared AS (
        SELECT st.username, st.ura, st.bsn, array_remove(ARRAY[
            CASE WHEN %(surname)s AND length(st.surname) >= 4
                      AND strpos({_PATIENT_NAME}, st.surname) > 0
                 THEN 'surname' END,
            CASE WHEN %(postal_code)s AND st.postal_code <> ''
                      AND {_PATIENT_POSTAL_CODE} = st.postal_code
                 THEN 'postal_code' END
        ], NULL) AS matched
        FROM staff st JOIN patients p ON p.bsn = st.bsn
    )
    SELECT w.username, w.ura, array_agg(w.id ORDER BY w.id) AS event_ids,
           jsonb_build_object('patients', jsonb_agg(DISTINCT
               jsonb_build_object('bsn', c.bsn, 'matched', to_jsonb(c.matched)))) AS detail
    FROM compared c
    JOIN {TABLE} w ON w.username = c.username AND w.ura = c.ura AND w.bsn = c.bsn
    WHERE cardinality(c.matched) > 0 AND w.is_new
      AND w.event_type = '{VIEW}' AND w.outcome = 0
    GROUP BY w.username, w.ura
    """  # noqa: S608 - table names from the models; the values are parameters
    return window.findings(
        sql, {"surname": "surname" in signals, "postal_code": "postal_code" in signals}
    )
