"""An organisation's access reports: requested by its supervisor (any period) or each month
by the beat job, built by a worker that records its progress, downloaded by its
supervisors. Building and every download are ledger events."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from oversight.access import supervisor_actor
from oversight.models import Report
from oversight.reports.content import STEPS, report_content
from oversight.reports.render import report_pdf
from portal.access import Refusal
from portal.models import Membership, Organisation

logger = logging.getLogger(__name__)

BUILD_STEPS = STEPS + 1  # the content's parts, then the PDF


def _period(report: Report) -> dict[str, str]:
    return {"from": report.first_day.isoformat(), "to": report.last_day.isoformat()}


def _build_later(report_id: int) -> None:
    from oversight.tasks import report_build_task  # the task imports this module

    report_build_task.delay(report_id)


def report_request(*, membership: Membership, first: dt.date, last: dt.date) -> Report:
    """A supervisor asks for their organisation's report of first..last (Dutch days)."""
    actor = supervisor_actor(membership, needs_ura=True)
    report = Report.objects.create(
        organisation=membership.organisation,
        kind=Report.Kind.ON_DEMAND,
        first_day=first,
        last_day=last,
        requested_at=timezone.now(),
        requested_by=actor.username,
        requested_by_name=actor.name,
        state=Report.State.QUEUED,
        steps=BUILD_STEPS,
    )
    transaction.on_commit(lambda: _build_later(report.pk))
    return report


def report_retry(*, membership: Membership, report_id: int) -> Report:
    """A failed report of the organisation queued again (a failure left no PDF and no
    event: building it again starts from nothing)."""
    supervisor_actor(membership, needs_ura=True)
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(organisation=membership.organisation, pk=report_id, state=Report.State.FAILED)
            .first()
        )
        if report is None:
            raise Refusal(_not_found())
        report.state, report.step, report.error = Report.State.QUEUED, 0, ""
        report.save(update_fields=["state", "step", "error"])
        transaction.on_commit(lambda: _build_later(report.pk))
    return report


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def monthly_reports_request(*, today: dt.date) -> list[Report]:
    """The previous month's report for every HAP and SEH with a URA, once each (a unique
    constraint: running twice asks for nothing twice)."""
    first, last = previous_month(today)
    made = []
    organisations = Organisation.objects.filter(
        kind__in=(Organisation.Kind.HAP, Organisation.Kind.SEH)
    ).exclude(ura="")
    for organisation in organisations:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(
                organisation=organisation,
                kind=Report.Kind.MONTHLY,
                first_day=first,
                defaults={
                    "last_day": last,
                    "requested_at": timezone.now(),
                    "requested_by": "",
                    "state": Report.State.QUEUED,
                    "steps": BUILD_STEPS,
                },
            )
            if created:
                transaction.on_commit(lambda pk=report.pk: _build_later(pk))
                made.append(report)
    return made


def _builder(report: Report) -> Actor:
    """Who the ledger names for the build: the requesting supervisor, or the beat job;
    for the organisation, so that its supervisors' log shows it."""
    organisation = report.organisation
    return Actor(
        username=report.requested_by or "system:reports",
        name=report.requested_by_name or "reports",
        portal_role="supervisor" if report.requested_by else "",
        organisation_ura=organisation.ura,
        organisation_agb=organisation.agb,
        organisation_name=organisation.name,
    )


def report_build(report_id: int) -> Report:
    """Counts the parts, renders the PDF, stores it with its ledger event in one
    transaction. Progress is committed as it goes, for the page. A report already built is
    left as it is (a task delivered twice builds it once)."""
    report = Report.objects.select_related("organisation").get(pk=report_id)
    if report.state == Report.State.DONE:
        return report
    Report.objects.filter(pk=report.pk).update(state=Report.State.RUNNING, step=0, error="")

    def progress(step: int) -> None:
        Report.objects.filter(pk=report.pk).update(step=step)

    try:
        # A report is a document of the Dutch organisation, whoever asked and in whatever
        # language the worker's last task ran: always in the portal's language.
        with translation.override(settings.LANGUAGE_CODE):
            content = report_content(
                ura=report.organisation.ura,
                organisation=report.organisation.name,
                first=report.first_day,
                last=report.last_day,
                progress=progress,
            )
            pdf, pages = report_pdf(content)
    except Exception as error:
        logger.exception("report %s failed", report.pk)
        Report.objects.filter(pk=report.pk).update(
            state=Report.State.FAILED, error=type(error).__name__
        )
        raise
    with transaction.atomic():
        report.pdf, report.pages, report.events = pdf, pages, content.events
        report.state, report.step = Report.State.DONE, BUILD_STEPS
        report.finished_at = timezone.now()
        report.save()
        events.report_generated(
            actor=_builder(report),
            report=report.pk,
            period=_period(report),
            events=content.events,
            pages=pages,
        )
    return report


def organisation_reports(membership: Membership) -> list[Report]:
    """The reports of the supervisor's organisation, newest first, without their PDFs."""
    supervisor_actor(membership)
    return list(
        Report.objects.filter(organisation=membership.organisation)
        .defer("pdf")
        .order_by("-requested_at")[:100]
    )


def report_download(*, membership: Membership, report_id: int) -> tuple[Report, bytes]:
    """The PDF of one of the organisation's finished reports, read and logged together."""
    actor = supervisor_actor(membership, needs_ura=True)
    with transaction.atomic():
        report = Report.objects.filter(
            organisation=membership.organisation, pk=report_id, state=Report.State.DONE
        ).first()
        if report is None:
            raise Refusal(_not_found())
        events.report_downloaded(actor=actor, report=report.pk, period=_period(report))
    return report, bytes(report.pdf)


def _not_found() -> str:
    return _("This report does not exist, or is not ready yet.")
