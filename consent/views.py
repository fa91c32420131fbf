"""The administrator's policies page (/beleid/): the Corona Opt-in and any later rule for
patients without a registered choice. Thin views: validate, call one service or selector,
render. Every change goes through consent.services (history, ledger, cache)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.actors import Actor
from consent import services
from consent.forms import PolicyCreateForm, PolicyPeriodForm, PolicySwitchForm
from consent.selectors import PolicyPage, policies_overview, policy_page
from portal.access import Permission, requires


def _page(request, policy_id: int) -> PolicyPage:
    page = policy_page(membership=request.membership, policy_id=policy_id, at=timezone.now())
    if page is None:
        raise Http404("no such policy")
    return page


def _detail(request, page: PolicyPage, period=None, switch=None):
    policy = page.policy
    period = period or PolicyPeriodForm(policy=policy)
    switch = switch or PolicySwitchForm()
    # The cursor waits in the stop button's reason, unless the period has an error.
    if period.errors:
        period.focus()
    else:
        switch.focus("reason")
    return render(
        request,
        "consent/policy.html",
        {"page": page, "policy": policy, "period": period, "switch": switch},
    )


@requires(Permission.ADMINISTER)
@require_GET
def policy_list(request):
    rows = policies_overview(membership=request.membership, at=timezone.now())
    return render(request, "consent/policies.html", {"rows": rows})


@requires(Permission.ADMINISTER)
@require_http_methods(["GET", "POST"])
def policy_new(request):
    form = PolicyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(
                **form.cleaned_data, actor=Actor.for_membership(request.membership)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The policy is created, switched off."))
            return redirect("policy_detail", policy_id=policy.pk)
    return render(request, "consent/policy_new.html", {"form": form.focus("name")})


@requires(Permission.ADMINISTER)
@require_GET
def policy_detail(request, policy_id: int):
    return _detail(request, _page(request, policy_id))


@requires(Permission.ADMINISTER)
@require_POST
def policy_period(request, policy_id: int):
    page = _page(request, policy_id)
    form = PolicyPeriodForm(request.POST, policy=page.policy)
    if form.is_valid():
        try:
            services.policy_update(
                policy=page.policy,
                **form.cleaned_data,
                actor=Actor.for_membership(request.membership),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The period is changed."))
            return redirect("policy_detail", policy_id=policy_id)
    return _detail(request, page, period=form)


@requires(Permission.ADMINISTER)
@require_POST
def policy_switch(request, policy_id: int):
    """Switch on or off in two steps: the confirmation says what it does, then "confirm"
    switches; "change" goes back to the form with the reason kept."""
    page = _page(request, policy_id)
    form = PolicySwitchForm(request.POST)
    if form.is_valid() and "change" not in request.POST:
        if "confirm" not in request.POST:
            return render(
                request, "consent/policy_confirm.html", {"page": page, "form": form, "on": form.on}
            )
        try:
            services.policy_switch(
                policy=page.policy,
                on=form.on,
                reason=form.cleaned_data["reason"],
                actor=Actor.for_membership(request.membership),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.on:
                messages.success(request, _("The policy is switched on."))
            else:
                messages.success(request, _("The policy is switched off."))
            return redirect("policy_detail", policy_id=policy_id)
    return _detail(request, page, switch=form)
