"""One function per kind of ledger event: call sites never assemble an event themselves.

Each function names what happened in the domain's words and takes typed keyword
arguments; it fills in the NEN 7513 fields (action, outcome, purpose of use) that belong
to that kind of event, and appends it through the one writer
(`audit.services.access_event_record`), inside the caller's transaction: an event that
cannot be written fails the caller's action. The request context (client address,
session, request id, start time) comes from `audit.context`.

`detail` keys are part of the ledger's contract (the patient's view, the supervisors'
pages and the tests read them): change them here only.
"""

from __future__ import annotations

import uuid
from typing import Any

from audit.actors import Actor
from audit.models import AccessEvent, Action, ConsentBasis, EventType, Outcome, Purpose
from audit.services import access_event_record

# --- Signing in and out -----------------------------------------------------------------


def login_succeeded(*, actor: Actor, method: dict[str, Any]) -> AccessEvent:
    """`method`: how — {"method": "password+second factor"} or the UZI-pas card's fields."""
    return access_event_record(
        event_type=EventType.LOGIN,
        action=Action.EXECUTE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail=method,
    )


def login_failed(*, actor: Actor, detail: dict[str, Any] | None = None) -> AccessEvent:
    """A wrong password (actor: the username tried), a wrong second-factor code
    (detail: step, authenticator) or a refused UZI-pas (detail: the card, why)."""
    return access_event_record(
        event_type=EventType.LOGIN_FAILED,
        action=Action.EXECUTE,
        outcome=Outcome.MINOR_FAILURE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail=detail,
    )


def logged_out(*, actor: Actor, reason: str) -> AccessEvent:
    """`reason`: "user" (the logout button), "idle" or "shift" (the session limits)."""
    return access_event_record(
        event_type=EventType.LOGOUT,
        action=Action.EXECUTE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"reason": reason},
    )


# --- Refusals -------------------------------------------------------------------------------


def access_denied(
    *,
    actor: Actor,
    reason: str,
    path: str | None = None,
    patient_bsn: str = "",
    encounter: uuid.UUID | None = None,
    counts: dict[str, int] | None = None,
    reading: bool = False,
    consent_basis: ConsentBasis = ConsentBasis.NONE,
    consent_policy: str = "",
) -> AccessEvent:
    """Something asked for was refused: a role without the permission (`path`), an
    encounter not the user's (`encounter`), a throttle (`counts`: what it counted), a
    summary the consent decision does not allow (`reading`, with the basis it weighed).
    Refused patient data is a refused read; anything else a refused execution."""
    detail: dict[str, Any] = {"reason": reason}
    if path is not None:
        detail["path"] = path
    if encounter is not None:
        detail["encounter"] = str(encounter)
    if counts:
        detail.update(counts)
    return access_event_record(
        event_type=EventType.ACCESS_DENIED,
        action=Action.READ if reading or encounter is not None else Action.EXECUTE,
        outcome=Outcome.MINOR_FAILURE,
        actor=actor,
        patient_bsn=patient_bsn,
        consent_basis=consent_basis,
        consent_policy=consent_policy,
        purpose_of_use=Purpose.TREATMENT if patient_bsn else Purpose.SYSTEM_ADMINISTRATION,
        detail=detail,
    )


# --- Triage: search, consent at the point of care, the summary ------------------------------


def patient_searched(
    *,
    actor: Actor,
    patient_bsn: str,
    found: str,
    encounter: uuid.UUID | None = None,
    registered_refusal: bool = False,
) -> AccessEvent:
    """One search by BSN + birth date. `found`: "patient" (an encounter opened), "nobody",
    or "refused" (BSN and birth date matched a patient who registered a refusal)."""
    detail: dict[str, Any] = {"found": found}
    if encounter is not None:
        detail["encounter"] = str(encounter)
    return access_event_record(
        event_type=EventType.PATIENT_SEARCH,
        action=Action.EXECUTE,
        outcome=Outcome.SUCCESS if encounter is not None else Outcome.MINOR_FAILURE,
        actor=actor,
        patient_bsn=patient_bsn,
        consent_basis=ConsentBasis.REGISTERED_REFUSAL if registered_refusal else ConsentBasis.NONE,
        purpose_of_use=Purpose.TREATMENT,
        detail=detail,
    )


def point_of_care_answered(
    *,
    actor: Actor,
    patient_bsn: str,
    event_type: EventType,
    encounter: uuid.UUID,
    by_representative: bool,
    representative: str,
    indications: list[str],
    emergency_reason: str,
    register_lasting: bool,
    refused: bool = False,
) -> AccessEvent:
    """The patient's answer at the point of care: CONSENT_RECORDED, CONSENT_REFUSED or
    EMERGENCY_ACCESS (the patient cannot answer). Emergency access is for emergency
    treatment and is reviewed by the supervisor and shown to the patient. `refused`: an
    emergency access asked for where no policy allows it — attempted, and refused."""
    emergency = event_type == EventType.EMERGENCY_ACCESS
    if event_type not in (
        EventType.CONSENT_RECORDED,
        EventType.CONSENT_REFUSED,
        EventType.EMERGENCY_ACCESS,
    ):
        raise ValueError(f"{event_type} is not an answer at the point of care")
    return access_event_record(
        event_type=event_type,
        action=Action.CREATE,
        outcome=Outcome.MINOR_FAILURE if refused else Outcome.SUCCESS,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.EMERGENCY_TREATMENT if emergency else Purpose.TREATMENT,
        detail={
            "encounter": str(encounter),
            "by_representative": by_representative,
            "representative": representative[:200] if by_representative else "",
            "indications": sorted(indications),
            "emergency_reason": emergency_reason,
            "register_lasting": register_lasting,
            "needs_review": emergency,
        },
    )


def summary_viewed(
    *,
    actor: Actor,
    patient_bsn: str,
    encounter: uuid.UUID,
    reason: str,
    consent_basis: ConsentBasis,
    consent_policy: str,
    emergency: bool,
) -> AccessEvent:
    """A summary shown, on the basis the consent decision gave. Written before the summary
    is read, in the same transaction (triage.summary): no summary without its event."""
    return access_event_record(
        event_type=EventType.SUMMARY_VIEW,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        consent_basis=consent_basis,
        consent_policy=consent_policy,
        purpose_of_use=Purpose.EMERGENCY_TREATMENT if emergency else Purpose.TREATMENT,
        detail={"encounter": str(encounter), "reason": reason},
    )


# --- The registry and the policies ----------------------------------------------------------


def consent_registered(
    *,
    actor: Actor,
    patient_bsn: str,
    scope: str,
    decision: str,
    source: str,
    by_representative: bool,
    registration_id: int,
) -> AccessEvent:
    return access_event_record(
        event_type=EventType.CONSENT_REGISTRATION,
        action=Action.CREATE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.TREATMENT,
        detail={
            "scope": scope,
            "decision": decision,
            "source": source,
            "by_representative": by_representative,
            "registration": registration_id,
        },
    )


# --- The registry: the GP's pages ------------------------------------------------------------


def registry_searched(
    *,
    actor: Actor,
    patient_bsn: str,
    found: bool,
    enrolled_elsewhere: bool,
    page: str = "registry",
) -> AccessEvent:
    """A GP's search for one of their practice's patients. Not found says nothing more on
    the page; here `enrolled_elsewhere` says whether it was another practice's patient.
    `page`: "registry" (the GP's pages) or "api" (a lookup by the practice's system)."""
    return access_event_record(
        event_type=EventType.PATIENT_SEARCH,
        action=Action.EXECUTE,
        outcome=Outcome.SUCCESS if found else Outcome.MINOR_FAILURE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "found": "patient" if found else "nobody",
            "page": page,
            "enrolled_elsewhere": enrolled_elsewhere,
        },
    )


def registry_viewed(*, actor: Actor, patient_bsn: str, consultations_shown: int) -> AccessEvent:
    """A GP read a patient's registered choices and who consulted their summary."""
    return access_event_record(
        event_type=EventType.REGISTRY_VIEW,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"consultations_shown": consultations_shown},
    )


def gp_notifications_read(
    *, actor: Actor, patient_bsn: str, notifications: list[int]
) -> AccessEvent:
    """A GP read their practice's notifications about one patient (who opened the summary
    by emergency access or under a policy, when, why): one event per patient shown, so the
    patient's own view of the ledger has it. `notifications`: the ledger events (seq) of
    the views they name."""
    return access_event_record(
        event_type=EventType.REGISTRY_VIEW,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"page": "notifications", "notifications": notifications},
    )


def gp_notification_marked_read(
    *, actor: Actor, patient_bsn: str, notification: int
) -> AccessEvent:
    """A GP marked a notification about this patient as read (`notification`: the ledger
    event, seq, of the view it names). The notification's read_at/read_by change: an
    update of the registry's data about the patient, by the GP who read it."""
    return access_event_record(
        event_type=EventType.REGISTRY_VIEW,
        action=Action.UPDATE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"page": "notifications", "marked_read": notification},
    )


def policy_created(
    *, actor: Actor, policy: str, change: int, settings: dict[str, Any], reason: str
) -> AccessEvent:
    """A new policy for blank patients. `settings`: its fields as the history keeps them
    (on, starts_at, ends_at in ISO 8601, condition); `change`: the history row's id."""
    return access_event_record(
        event_type=EventType.POLICY_CHANGED,
        action=Action.CREATE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"policy": policy, "change": change, "after": settings, "reason": reason},
    )


def policy_period_changed(
    *,
    actor: Actor,
    policy: str,
    change: int,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
) -> AccessEvent:
    """A policy's start or end moved: `before` and `after` hold the changed fields only."""
    return access_event_record(
        event_type=EventType.POLICY_CHANGED,
        action=Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "policy": policy,
            "change": change,
            "before": before,
            "after": after,
            "reason": reason,
        },
    )


def policy_switched(
    *, actor: Actor, policy: str, on: bool, reason: str, change: int | None = None
) -> AccessEvent:
    """The stop button (on=False) or its opposite; `change`: the history row's id."""
    detail: dict[str, Any] = {"policy": policy, "on": on, "reason": reason}
    if change is not None:
        detail["change"] = change
    return access_event_record(
        event_type=EventType.POLICY_CHANGED,
        action=Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail=detail,
    )


# --- Summaries and practices ------------------------------------------------------------------


def summary_purged(
    *, actor: Actor, patient_bsn: str, reason: str, existed: bool, quarantine_dropped: int
) -> AccessEvent:
    return access_event_record(
        event_type=EventType.SUMMARY_PURGED,
        action=Action.DELETE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"reason": reason, "existed": existed, "quarantine_dropped": quarantine_dropped},
    )


def practice_saved(
    *, actor: Actor, created: bool, agb: str, ura: str, name: str, url: str
) -> AccessEvent:
    return access_event_record(
        event_type=EventType.ADMIN_CHANGE,
        action=Action.CREATE if created else Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"object": "gp_practice", "agb": agb, "ura": ura, "name": name, "url": url},
    )


def practice_tokens_reencrypted(*, actor: Actor, count: int) -> AccessEvent:
    return access_event_record(
        event_type=EventType.ADMIN_CHANGE,
        action=Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"object": "gp_practice", "tokens_reencrypted": count},
    )


# --- Administration and the ledger itself ---------------------------------------------------


def admin_changed(
    *, actor: Actor, action: Action, model: str, object_id: str, label: str, change: object
) -> AccessEvent:
    """A change made in the Django admin (`change`: the admin's change message)."""
    return access_event_record(
        event_type=EventType.ADMIN_CHANGE,
        action=action,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={
            "model": model,
            "object_id": object_id,
            "object": label[:200],
            "change": change if isinstance(change, list) else str(change),
        },
    )


def admin_read(*, actor: Actor, model: str, object_id: str, query: str) -> AccessEvent:
    """The ledger, alerts or an account's security settings opened in the admin
    (NEN 7513: access to the log is logged)."""
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"model": model, "object_id": object_id, "query": query[:500]},
    )


def ledger_searched(
    *,
    actor: Actor,
    filters: dict[str, str],
    page_size: int,
    cursor: dict[str, Any] | None,
    patients: list[str],
    patient_bsn: str = "",
) -> AccessEvent:
    """A supervisor's search of their organisation's ledger (oversight.ledger), one event a
    page. `filters`: what was asked (username, bsn, from, to, event_type; the empty ones left
    out); `cursor`: where the page starts ({"occurred_at", "seq", "direction"}), None for the
    newest; `patients`: the BSNs of the patients the page showed — each patient's own log
    finds the event by them (NEN 7513; the ledger's index `audit_event_read_patients`);
    `patient_bsn`: the patient searched for, if any."""
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "page": "ledger",
            "filters": filters,
            "page_size": page_size,
            "cursor": cursor,
            "patients": sorted(patients),
        },
    )


def ledger_charts_read(*, actor: Actor, period: dict[str, str]) -> AccessEvent:
    """A supervisor's charts of their organisation's ledger (oversight.ledger); `period`:
    {"from", "to"}, dates (Dutch time) in ISO 8601, both days included."""
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"page": "charts", "period": period},
    )


def alerts_read(
    *,
    actor: Actor,
    page: str,
    alert_id: int | None = None,
    filters: dict[str, str] | None = None,
    shown: int = 0,
    patient_bsn: str = "",
) -> AccessEvent:
    """A supervisor read their organisation's misuse alerts (oversight.review): `page`
    "alerts" (the list: `filters` as asked, the empty ones left out; `shown`: rows on the
    page) or "alert" (one alert, `alert_id`; `shown`: the ledger events behind it on the
    page). An alert's page is one event per patient it shows, `patient_bsn`, so that each
    patient's own log shows that a supervisor saw their data (NEN 7513). Written before
    the page is shown: no page without it."""
    detail: dict[str, Any] = {"page": page, "shown": shown}
    if alert_id is not None:
        detail["alert"] = alert_id
    if filters:
        detail["filters"] = filters
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail=detail,
    )


def alert_reviewed(
    *,
    actor: Actor,
    alert_id: int,
    kind: str,
    step: str,
    justification: str,
    username_under_review: str,
) -> AccessEvent:
    """A supervisor acknowledged (closed) or escalated a misuse alert of their organisation
    (oversight.review.services.alert_review), with the justification they gave."""
    return access_event_record(
        event_type=EventType.ALERT_REVIEWED,
        action=Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "alert": alert_id,
            "kind": kind,
            "step": step,
            "justification": justification,
            "user_under_review": username_under_review,
        },
    )


def contacts_uploaded(
    *,
    actor: Actor,
    upload_id: int,
    source: str,
    filename: str,
    sha256: str,
    rows: int,
    added: int,
    period_start: str,
    period_end: str,
) -> AccessEvent:
    """An organisation's own contact registrations loaded for reconciliation
    (oversight.reconciliation.services.contacts_upload): `source` "file" or "api", `rows`
    read, `added` new (the rest were known), the period from the first to the last
    contact (ISO 8601), and the SHA-256 of the file or body as sent. No BSNs: the event is
    about the upload, not about patients."""
    return access_event_record(
        event_type=EventType.CONTACTS_UPLOADED,
        action=Action.CREATE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "upload": upload_id,
            "source": source,
            "filename": filename,
            "sha256": sha256,
            "rows": rows,
            "added": added,
            "period": {"first": period_start, "last": period_end},
        },
    )


def role_granted(*, actor: Actor, created: bool, membership: dict[str, Any]) -> AccessEvent:
    """A clinical role granted (new, changed to, or switched back on); `membership`: who,
    which role, at which organisation (the supervisor there is alerted too)."""
    return access_event_record(
        event_type=EventType.ROLE_GRANTED,
        action=Action.CREATE if created else Action.UPDATE,
        actor=actor,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail=membership,
    )


def ledger_exported(
    *, actor: Actor, asked: dict[str, Any], exported: int, patient_bsn: str = ""
) -> AccessEvent:
    """The organisation's ledger handed out as FHIR AuditEvents (oversight.export): one event
    per patient whose events were in it (or who was asked for), so that each patient's own
    log shows it; one without a patient for a page of none."""
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"page": "fhir_export", "asked": asked, "exported": exported},
    )


def ledger_verified(
    *, actor: Actor, checked: int, head_seq: int, timestamped: bool = False
) -> AccessEvent:
    """The chain verified intact up to `head_seq` and anchored; `timestamped`: the head was
    timestamped by the authority and written outside the database too (audit.anchors)."""
    return access_event_record(
        event_type=EventType.LEDGER_VERIFIED,
        action=Action.EXECUTE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"checked": checked, "head_seq": head_seq, "timestamped": timestamped},
    )


def ledger_month_dropped(
    *,
    actor: Actor,
    partition: str,
    month: str,
    first_seq: int,
    last_seq: int,
    last_hash: str,
    events: int,
    kept_years: int,
) -> AccessEvent:
    """The retention job dropped a month of the ledger (audit.retention): the chain now
    begins after `last_seq`, whose hash was `last_hash` — what audit_verify starts from."""
    return access_event_record(
        event_type=EventType.LEDGER_PARTITION_DROPPED,
        action=Action.DELETE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={
            "partition": partition,
            "month": month,
            "first_seq": first_seq,
            "last_seq": last_seq,
            "last_hash": last_hash,
            "events": events,
            "kept_years": kept_years,
        },
    )


# --- Patients: their accounts, their own log (issue 16) -------------------------------------


def activation_code_issued(
    *, actor: Actor, patient_bsn: str, expires_at: str, superseded: int
) -> AccessEvent:
    """A GP practice issued a patient a one-time code to open their own account (printed
    as a letter); `superseded`: how many earlier unused codes of the patient it ended."""
    return access_event_record(
        event_type=EventType.ACTIVATION_CODE_ISSUED,
        action=Action.CREATE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.PATIENT_REQUEST,
        detail={"expires_at": expires_at, "superseded": superseded},
    )


def patient_account_opened(
    *, actor: Actor, patient_bsn: str, established_by: str, replaced_accounts: list[str]
) -> AccessEvent:
    """A patient opened their own account, linked to their BSN by `established_by`
    ("activation_code"; later "digid"); `replaced_accounts`: earlier accounts of the
    same patient, closed by it."""
    return access_event_record(
        event_type=EventType.PATIENT_ACCOUNT_OPENED,
        action=Action.CREATE,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.PATIENT_REQUEST,
        detail={"established_by": established_by, "replaced_accounts": replaced_accounts},
    )


def patient_log_read(
    *,
    actor: Actor,
    patient_bsn: str,
    period: dict[str, str],
    shown: int,
    pdf: bool = False,
    reference: str = "",
) -> AccessEvent:
    """A patient read who accessed their data, or (`pdf`) a privacy officer made it a PDF
    for a patient who asked by letter (`reference`: the letter's); written before the page
    or the PDF is built: if it cannot be written, nothing is shown."""
    detail: dict[str, Any] = {"period": period, "shown": shown, "pdf": pdf}
    if reference:
        detail["reference"] = reference
    return access_event_record(
        event_type=EventType.PATIENT_LOG_READ,
        action=Action.READ,
        actor=actor,
        patient_bsn=patient_bsn,
        purpose_of_use=Purpose.PATIENT_REQUEST,
        detail=detail,
    )


# --- Reports ----------------------------------------------------------------------------


def report_generated(
    *, actor: Actor, report: int, period: dict[str, str], events: int, pages: int
) -> AccessEvent:
    """An organisation's access report built (oversight.reports), in the transaction that
    stores it: `report` its id, `period` {"from", "to"} (Dutch days, both included), how many
    of the organisation's events it counts and how many pages it has."""
    return access_event_record(
        event_type=EventType.REPORT_GENERATED,
        action=Action.EXECUTE,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"report": report, "period": period, "events": events, "pages": pages},
    )


def report_downloaded(*, actor: Actor, report: int, period: dict[str, str]) -> AccessEvent:
    """A supervisor downloaded their organisation's report: a read of the log."""
    return access_event_record(
        event_type=EventType.ADMIN_READ,
        action=Action.READ,
        actor=actor,
        purpose_of_use=Purpose.OPERATIONS,
        detail={"page": "report", "report": report, "period": period},
    )
