"""triage/sql.py: each hand-written read gives what the ORM query it replaces gives.
(The search's statement has its comparison in test_guessing.py.)"""

import datetime as dt
import uuid

import pytest
from django.db.models import OuterRef, Subquery
from django.forms.models import model_to_dict
from django.utils import timezone

from consent.selectors import deciding_registration
from summaries.models import Summary
from summaries.services.purge import summary_purge
from tests.factories import MembershipFactory
from tests.triage.fixtures import BIRTH, BLANK, CONSENTED, REFUSED
from triage.models import EmergencyReason, Encounter, PointOfCareConsent
from triage.search import requester_scope
from triage.sql import encounter_row, summary_shown_row, summary_still_kept

pytestmark = pytest.mark.django_db


def _encounter(membership, bsn, *, answer=None, ended=False, **consent):
    now = timezone.now()
    encounter = Encounter.objects.create(
        public_id=uuid.uuid4(),
        user=membership.user,
        membership=membership,
        patient_bsn=bsn,
        patient_birth_date=BIRTH,
        summary=Summary.objects.filter(bsn=bsn).first(),
        started_at=now,
        expires_at=now + dt.timedelta(minutes=30),
        ended_at=now if ended else None,
        ended_reason=Encounter.Ended.LOGOUT if ended else "",
    )
    if answer:
        PointOfCareConsent.objects.create(
            encounter=encounter, answer=answer, recorded_at=now, **consent
        )
    return encounter


def _by_orm(encounter, membership):
    """The ORM query encounter_row replaces: the encounter with its answer, annotated with
    the registry's deciding registration for the membership's scope."""
    registered = deciding_registration(OuterRef("patient_bsn"), requester_scope(membership))
    found = (
        Encounter.objects.select_related("consent")
        .annotate(registered=Subquery(registered.values("decision")[:1]))
        .get(public_id=encounter.public_id, user=membership.user, membership=membership)
    )
    try:
        answer = model_to_dict(found.consent)
    except PointOfCareConsent.DoesNotExist:
        answer = None
    return model_to_dict(found), answer, found.registered


def _by_sql(encounter, membership):
    found, answer, registered = encounter_row(
        public_id=encounter.public_id,
        user_id=membership.user_id,
        membership_id=membership.pk,
        scope=requester_scope(membership),
    )
    return model_to_dict(found), model_to_dict(answer) if answer else None, registered


def test_encounter_row_agrees_with_the_orm(nurse, patients):
    cases = [
        _encounter(nurse, CONSENTED, answer="agrees", indications=["suspected_covid"]),
        _encounter(nurse, REFUSED, answer="refuses", ended=True),
        _encounter(
            nurse,
            BLANK,
            answer="cannot_consent",
            emergency_reason=EmergencyReason.UNCONSCIOUS,
            ended=True,
        ),
        _encounter(nurse, "999911168", ended=True),  # no summary, not asked
    ]
    for encounter in cases:
        assert _by_sql(encounter, nurse) == _by_orm(encounter, nurse)
    # What tells them apart: the answer, the indications (JSON), the registry, the times.
    first, _, registered = _by_sql(cases[0], nurse)
    assert registered == "consent" and first["expires_at"].tzinfo is not None
    assert _by_sql(cases[0], nurse)[1]["indications"] == ["suspected_covid"]
    assert _by_sql(cases[1], nurse)[2] == "refusal"
    assert _by_sql(cases[3], nurse)[1:] == (None, None)


def test_encounter_row_finds_only_the_users_own_under_this_membership(nurse, patients):
    mine = _encounter(nurse, CONSENTED, answer="agrees")
    colleague = MembershipFactory(organisation=nurse.organisation, role=nurse.role)
    other_membership = MembershipFactory(user=nurse.user, role=nurse.role)
    for user_id, membership_id in (
        (colleague.user_id, colleague.pk),
        (nurse.user_id, other_membership.pk),
    ):
        assert (
            encounter_row(
                public_id=mine.public_id,
                user_id=user_id,
                membership_id=membership_id,
                scope=requester_scope(nurse),
            )
            is None
        )


def test_summary_shown_row_agrees_with_the_orm(patients):
    summary = Summary.objects.get(bsn=CONSENTED)
    by_orm = (
        Summary.objects.select_related("practice")
        .only("bsn", "sections", "fetched_at", "practice__name", "practice__consecutive_failures")
        .get(pk=summary.pk, bsn=CONSENTED)
    )
    by_sql = summary_shown_row(summary_id=summary.pk, bsn=CONSENTED)
    for name in ("pk", "bsn", "sections", "fetched_at", "practice_id"):
        assert getattr(by_sql, name) == getattr(by_orm, name)
    for name in ("pk", "name", "consecutive_failures", "healthy"):
        assert getattr(by_sql.practice, name) == getattr(by_orm.practice, name)
    assert by_sql.sections["patient"]["name"] == "Jan Visser"
    # Not read: the source bundle and the practice's bearer token.
    assert {"source", "size_bytes"} <= by_sql.get_deferred_fields()
    assert "token" in by_sql.practice.get_deferred_fields()
    # Another patient's BSN with this id: nothing.
    assert summary_shown_row(summary_id=summary.pk, bsn=BLANK) is None


def test_summary_still_kept_agrees_with_the_orm(patients):
    from audit.actors import Actor

    summary = Summary.objects.get(bsn=BLANK)
    kept = Summary.objects.filter(pk=summary.pk, bsn=BLANK)
    assert summary_still_kept(summary_id=summary.pk, bsn=BLANK) is kept.exists() is True
    assert summary_still_kept(summary_id=summary.pk, bsn=CONSENTED) is False
    summary_purge(bsn=BLANK, actor=Actor.system("test"), reason="test")
    assert summary_still_kept(summary_id=summary.pk, bsn=BLANK) is kept.exists() is False
