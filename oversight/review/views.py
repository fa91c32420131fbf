"""The supervisors' alert pages (/toezicht/): the organisation's misuse alerts, one alert
with what is behind it, and its review in two steps (the confirmation says what the step
does). Thin views: validate, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from oversight.models import AlertReview
from oversight.review import services
from oversight.review.forms import AlertFilterForm, AlertReviewForm
from portal.access import Permission, deny, requires


def _not_found(request, alert_id: int) -> Http404:
    """Another organisation's alert (or none): logged as refused, answered as absent."""
    ura = request.membership.organisation.ura
    deny(request, f"alert {alert_id} is not one of organisation {ura}'s", request.membership)
    return Http404("no such alert")


@requires(Permission.VIEW_AUDIT)
@require_GET
def alert_list(request):
    form = AlertFilterForm(request.GET or None)
    filters = form.filters()
    alerts = services.alert_list_open(membership=request.membership, **filters)
    return render(
        request,
        "oversight/review/alerts.html",
        {"form": form, "filters": filters, "alerts": alerts},
    )


def _detail(
    request,
    alert_id: int,
    form: AlertReviewForm,
    closed_by: str | None = None,
    refused: bool = False,
):
    try:
        detail = services.alert_open(membership=request.membership, alert_id=alert_id)
    except services.AlertNotFound:
        raise _not_found(request, alert_id) from None
    return render(
        request,
        "oversight/review/alert.html",
        {
            "detail": detail,
            "alert": detail.alert,
            "form": form.focus(),
            "closed_by": closed_by,
            "refused": refused,
        },
    )


@requires(Permission.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def alert_detail(request, pk: int):
    """GET: the alert. POST with a step and a justification: the confirmation; with
    "confirm" as well: the step is taken; with "change": back to the alert, text kept."""
    form = AlertReviewForm(request.POST or None)
    if request.method != "POST" or not form.is_valid() or "change" in request.POST:
        return _detail(request, pk, form)
    try:
        if "confirm" not in request.POST:
            alert = services.alert_review_check(membership=request.membership, alert_id=pk)
            return render(
                request,
                "oversight/review/alert_confirm.html",
                {"alert": alert, "form": form, "step": form.chosen_step},
            )
        services.alert_review(
            membership=request.membership,
            alert_id=pk,
            step=form.chosen_step,
            justification=form.cleaned_data["justification"],
            now=timezone.now(),
        )
    except services.AlertNotFound:
        raise _not_found(request, pk) from None
    except services.AlertClosed as closed:
        return _detail(request, pk, form, closed_by=closed.closed_by)
    except services.ReviewRefused:
        # The alert's page says why (its detail carries the same refusal), without the form.
        return _detail(request, pk, form, refused=True)
    if form.chosen_step == AlertReview.Step.ACKNOWLEDGED:
        messages.success(request, _("The alert is closed. A new hit opens a new alert."))
    else:
        messages.success(request, _("The alert is escalated: it stays open for a second review."))
    return redirect("oversight_alerts")
