"""The access ledger: one append-only, hash-chained row per access (NEN 7513).

Rows are written only by ``audit.services.access_event_record``, called by the one
function per kind of event in ``audit/events.py``. The database
rejects UPDATE, DELETE and TRUNCATE (migration 0002); the hash chain makes an
edit by someone who bypassed that (a superuser disabling the trigger)
detectable by ``manage.py audit_verify``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    PATIENT_SEARCH = "patient_search", _("Patient search")
    SUMMARY_VIEW = "summary_view", _("Summary viewed")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    CONSENT_REFUSED = "consent_refused", _("Consent refused")
    CONSENT_REGISTRATION = "consent_registration", _("Consent registration changed")
    ACCESS_DENIED = "access_denied", _("Access denied")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access")
    REPORT_GENERATED = "report_generated", _("Report generated")
    SUMMARY_PURGED = "summary_purged", _("Summary purged")
    POLICY_CHANGED = "policy_changed", _("Policy changed")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    ADMIN_CHANGE = "admin_change", _("Administrative change")
    # Access to the log is logged (NEN 7513), and so is reading an account's security settings.
    ADMIN_READ = "admin_read", _("Logs or security settings read")
    ROLE_GRANTED = "role_granted", _("Clinical role granted")
    LEDGER_VERIFIED = "ledger_verified", _("Ledger verified")
    # A GP read a patient's registered choices and who consulted their summary.
    REGISTRY_VIEW = "registry_view", _("Registry and consultations read")
    # A supervisor acknowledged or escalated a misuse alert (oversight).
    ALERT_REVIEWED = "alert_reviewed", _("Misuse alert reviewed")
    # An organisation's own contact registrations loaded for reconciliation (oversight).
    CONTACTS_UPLOADED = "contacts_uploaded", _("Contact registrations uploaded")
    # A GP practice gave a patient a code to open their own account (issue 16).
    ACTIVATION_CODE_ISSUED = "activation_code_issued", _("Activation code issued")
    # A patient opened their own account with such a code (or, later, DigiD).
    PATIENT_ACCOUNT_OPENED = "patient_account_opened", _("Patient's account opened")
    # A patient read who accessed their data (NEN 7513: access to the log is logged).
    PATIENT_LOG_READ = "patient_log_read", _("Own access log read by the patient")
    # The retention job dropped a month of the ledger older than five years (audit.retention).
    LEDGER_PARTITION_DROPPED = "ledger_partition_dropped", _("Ledger month removed (retention)")


class Action(models.TextChoices):
    """FHIR AuditEvent.action (ISO 27789 / DICOM): what was done to the data."""

    CREATE = "C", _("Create")
    READ = "R", _("Read/view/print")
    UPDATE = "U", _("Update")
    DELETE = "D", _("Delete")
    EXECUTE = "E", _("Execute (search, login, report)")


class Outcome(models.IntegerChoices):
    """FHIR AuditEvent.outcome."""

    SUCCESS = 0, _("Success")
    MINOR_FAILURE = 4, _("Minor failure (e.g. denied)")
    SERIOUS_FAILURE = 8, _("Serious failure")
    MAJOR_FAILURE = 12, _("Major failure")


class ConsentBasis(models.TextChoices):
    """The legal basis on which patient data was (or was not) made available."""

    NONE = "", _("Not applicable")
    REGISTERED_CONSENT = "registered_consent", _("Registered consent, confirmed")
    REGISTERED_CONSENT_UNCONFIRMED = (
        "registered_consent_unconfirmed",
        _("Registered consent, patient unable to confirm"),
    )
    ON_THE_SPOT_CONSENT = "on_the_spot_consent", _("On-the-spot consent under a policy")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access under a policy")
    REGISTERED_REFUSAL = "registered_refusal", _("Registered refusal")
    REFUSAL_ON_THE_SPOT = "refusal_on_the_spot", _("Refusal on the spot")


class Purpose(models.TextChoices):
    """HL7 v3 PurposeOfUse codes."""

    TREATMENT = "TREAT", _("Treatment")
    EMERGENCY_TREATMENT = "ETREAT", _("Emergency treatment")
    OPERATIONS = "HOPERAT", _("Healthcare operations (oversight, audit)")
    SYSTEM_ADMINISTRATION = "HSYSADMIN", _("System administration")
    PATIENT_REQUEST = "PATRQT", _("Patient request")


class AccessEvent(models.Model):
    # Chain position: 1, 2, 3, ... without gaps, so a removed row shows.
    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False)
    event_id = models.UUIDField(_("event id"), unique=True, editable=False)
    # Stored in UTC (timestamptz); every page shows it in TIME_ZONE, Europe/Amsterdam.
    occurred_at = models.DateTimeField(_("time (start of the event, Dutch time)"))

    event_type = models.CharField(_("event type"), max_length=32, choices=EventType.choices)
    action = models.CharField(_("action"), max_length=1, choices=Action.choices)
    outcome = models.PositiveSmallIntegerField(_("outcome"), choices=Outcome.choices)

    # Who: the user, and the responsible user on whose behalf they acted (NEN 7513). No
    # role of the portal acts on another's behalf yet: the responsible_* columns stay empty
    # (they are in the chain's canonical form, so they stay as columns).
    user_uzi = models.CharField(_("user UZI number"), max_length=9, blank=True)
    user_username = models.CharField(_("username"), max_length=150, blank=True)
    user_name = models.CharField(_("user name"), max_length=200, blank=True)
    user_role_code = models.CharField(_("user role code"), max_length=16, blank=True)
    user_portal_role = models.CharField(_("portal role"), max_length=16, blank=True)
    responsible_uzi = models.CharField(_("responsible UZI number"), max_length=9, blank=True)
    responsible_name = models.CharField(_("responsible user"), max_length=200, blank=True)

    # For which organisation.
    organisation_ura = models.CharField(_("organisation URA"), max_length=8, blank=True)
    organisation_agb = models.CharField(_("organisation AGB"), max_length=8, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)

    # About which patient, on which basis, for what purpose.
    patient_bsn = models.CharField(_("patient BSN"), max_length=9, blank=True)
    consent_basis = models.CharField(
        _("consent basis"), max_length=32, choices=ConsentBasis.choices, blank=True
    )
    consent_policy = models.CharField(_("policy"), max_length=100, blank=True)
    purpose_of_use = models.CharField(_("purpose of use"), max_length=16, choices=Purpose.choices)

    # From where.
    client_address = models.CharField(_("client address"), max_length=45, blank=True)
    session_ref = models.CharField(_("session reference"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    detail = models.JSONField(_("detail"), default=dict, blank=True)

    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    # Where the row is kept, not what happened, so not hashed: the first day (UTC) of the
    # month it was written in, never earlier than the event before it. On PostgreSQL the
    # ledger is partitioned by it, one partition a month (audit.partitions), so each month
    # holds one unbroken stretch of the chain and the retention job (audit.retention) can
    # drop the oldest. Nullable only so SQLite adds the column without rebuilding the table
    # (which would lose its append-only triggers); every writer sets it.
    ledger_month = models.DateField(_("ledger month"), null=True, editable=False)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["seq"]
        indexes = [
            # "All events of one patient by time": the patient's own log.
            models.Index(fields=["patient_bsn", "occurred_at"], name="audit_event_patient_time"),
            # "All events of one user / organisation by time": supervisors.
            models.Index(fields=["user_username", "occurred_at"], name="audit_event_user_time"),
            models.Index(fields=["organisation_ura", "occurred_at"], name="audit_event_org_time"),
            # "One organisation's events of one type by time": the supervisors' search by
            # type (oversight.ledger), a page's worth of rows rather than all the
            # organisation's events back to the first of that type.
            models.Index(
                fields=["organisation_ura", "event_type", "occurred_at"],
                name="audit_event_org_type_time",
            ),
            # "One organisation's events about one patient by time": the supervisors'
            # search by BSN, a page's worth of rows rather than all the patient's events at
            # every organisation (a patient with a long history, or often looked up). With
            # seq, the page's own order: no sort of the patient's events for the ties.
            models.Index(
                fields=["organisation_ura", "patient_bsn", "occurred_at", "seq"],
                name="audit_event_org_patient_time",
            ),
            models.Index(fields=["occurred_at"], name="audit_event_time"),
            # "A patient's own log, newest first" (patients.selectors.access_log): the events
            # about them without their own readings of it, which a patient who looks often
            # would otherwise make every look read through.
            models.Index(
                fields=["patient_bsn", "seq"],
                name="audit_event_patient_log",
                condition=~Q(event_type="patient_log_read", user_portal_role="patient"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        # A guard, not a side effect: the ledger is written by the service
        # only, and never changed. The database enforces the same.
        if self.pk is not None or kwargs.get("force_update"):
            raise PermissionError("Access events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Access events are append-only.")


class LedgerCheckpoint(models.Model):
    """The chain head as seen by a verification, kept apart from the chain.

    The hash chain shows an edited or removed event in the middle; removing
    the newest events leaves a shorter chain that is still consistent. A
    checkpoint remembers that seq N had hash H, so such a cut shows too.
    A database superuser can delete checkpoints as well: the timestamped copies outside the
    database (audit.anchors) are what holds then.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    seq = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    # The timestamping authority's answer for this head (RFC 3161, DER), where one is
    # configured; the same answer is kept outside the database (audit.anchors), which is
    # what audit_verify trusts: this copy is for the reports and the admin.
    timestamp_token = models.BinaryField(_("RFC 3161 timestamp"), null=True, editable=False)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return _("checkpoint #%(seq)s") % {"seq": self.seq}


class MisuseAlert(models.Model):
    """A signal for the supervisor of one organisation: e.g. many patients searched in a
    short time. One open (unreviewed) alert per user, organisation and rule; later hits
    update it (audit.alerts.misuse_alert_raise, the one writer). Never deleted: the
    database refuses it (a trigger, consent migration 0006); a reviewed alert stays, and a
    new hit after the review opens a new one."""

    class Kind(models.TextChoices):
        # Raised at once by the request they refuse or record (triage.search, portal.services).
        SEARCH_VOLUME = "search_volume", _("Many patients searched in an hour")
        FAILED_SEARCHES = "failed_searches", _("Many searches that found nobody")
        ROLE_GRANTED = "role_granted", _("A clinical role was granted")
        # Raised by the monitoring scan over the ledger (oversight.monitoring, docs/monitoring.md).
        VIEW_VOLUME = "view_volume", _("Many different patients viewed in an hour")
        FISHING_SEARCHES = "fishing_searches", _("Repeated searches that found nobody")
        BSN_RETRIED = "bsn_retried", _("One BSN tried with several birth dates")
        UNUSUAL_HOURS = "unusual_hours", _("Views outside the user's usual hours")
        EMERGENCY_ACCESS = "emergency_access", _("Emergency access")
        BLANK_UNDER_POLICY = (
            "blank_under_policy",
            _("A blank patient's summary viewed under a policy"),
        )
        SHARED_NAME_OR_ADDRESS = (
            "shared_name_or_address",
            _("A patient who shares the user's surname or postal code"),
        )
        PATIENT_MANY_USERS = "patient_many_users", _("One patient viewed by many colleagues")
        # Raised by reconciliation with the organisation's own registrations (oversight).
        NO_MATCHING_CONTACT = (
            "no_matching_contact",
            _("A summary viewed with no contact in the organisation's registration"),
        )

    kind = models.CharField(_("rule"), max_length=32, choices=Kind.choices)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    hits = models.PositiveIntegerField(_("hits"), default=1)
    username = models.CharField(_("username"), max_length=150)
    user_name = models.CharField(_("name"), max_length=200)
    organisation_ura = models.CharField(_("organisation URA"), max_length=8, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    detail = models.JSONField(_("latest detail"), default=dict)
    reviewed = models.BooleanField(_("reviewed"), default=False)

    class Meta:
        verbose_name = _("misuse alert")
        verbose_name_plural = _("misuse alerts")
        ordering = ["-last_seen_at"]
        constraints = [
            # The organisation is part of the key: an alert is read by that organisation's
            # supervisor, and one user may act for two organisations.
            models.UniqueConstraint(
                fields=["username", "organisation_ura", "kind"],
                condition=Q(reviewed=False),
                name="misusealert_one_open_per_user_rule",
            ),
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=models.F("first_seen_at")),
                name="misusealert_last_seen_after_first",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation_ura", "last_seen_at"], name="misusealert_org_time")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"

    def events(self) -> models.QuerySet[AccessEvent]:
        """The ledger events behind the alert (the monitoring scan's alerts; a throttle's
        alert counts refused requests and links none), in ledger order."""
        return AccessEvent.objects.filter(alert_links__alert=self).order_by("seq")


class MisuseAlertEvent(models.Model):
    """One ledger event behind a misuse alert. A table rather than an array on the alert:
    an open alert grows by a scan's hits each few minutes, and a row per event is appended
    where an array would be rewritten whole; "which alerts cite this event" is an index
    lookup. An event counts once per user, organisation and rule (audit.alerts). Rows are
    never changed or deleted (migration 0011), as their alert is not.

    No foreign-key constraints in the database (db_constraint=False): neither an event nor
    an alert is ever deleted (their triggers refuse it), and a constraint's own checks would
    answer a TRUNCATE of the ledger or of the alerts before their triggers do, and hold up
    the repairs audit_verify's tests make to the ledger."""

    alert = models.ForeignKey(
        MisuseAlert,
        on_delete=models.PROTECT,
        related_name="event_links",
        verbose_name=_("misuse alert"),
        db_index=False,  # the unique constraint below starts with it
        db_constraint=False,
    )
    event = models.ForeignKey(
        AccessEvent,
        on_delete=models.PROTECT,
        related_name="alert_links",
        verbose_name=_("access event"),
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("event behind an alert")
        verbose_name_plural = _("events behind alerts")
        constraints = [
            models.UniqueConstraint(fields=["alert", "event"], name="misusealertevent_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.event_id}"


class MonitoringWatermark(models.Model):
    """How far the monitoring scan has read the ledger: every event up to `seq` has been
    through the rules. One row; advanced in the transaction that raised the alerts the
    events gave, so a scan that fails raises nothing and is read again whole.

    By seq, not by id: seq is given under the ledger's lock in commit order (docs/ledger.md),
    so no event with a lower seq can commit after the scan read past it."""

    seq = models.BigIntegerField(_("scanned up to event (seq)"), default=0)
    scanned_at = models.DateTimeField(_("last scan"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitoring watermark")
        verbose_name_plural = _("monitoring watermarks")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="monitoringwatermark_one")]

    def __str__(self) -> str:
        return _("scanned up to event #%(seq)s") % {"seq": self.seq}


class MonitoringActivityDay(models.Model):
    """The hours of one day (Dutch time) in which a user did triage work, as the ledger shows
    it: what the rule "views outside the user's usual hours" learns from. Kept by the
    monitoring scan from the events it reads (a bit per hour: 1 << 0 is 00:00-00:59), and
    removed once older than the rule looks back: derived data, not a record."""

    username = models.CharField(_("username"), max_length=150)
    day = models.DateField(_("day"))
    hours = models.IntegerField(_("active hours (bits 0-23)"))

    class Meta:
        verbose_name = _("day of activity")
        verbose_name_plural = _("days of activity")
        constraints = [
            models.UniqueConstraint(fields=["username", "day"], name="activityday_one_per_user_day")
        ]
        indexes = [models.Index(fields=["day"], name="activityday_day")]

    def __str__(self) -> str:
        return f"{self.username} {self.day}"
