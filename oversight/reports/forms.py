"""The period of a report asked for: any period of at most a year, the previous month
unless the supervisor says otherwise (the charts' form, oversight.ledger.forms)."""

from __future__ import annotations

from django.utils import timezone

from oversight.ledger.forms import ChartsPeriodForm
from oversight.reports.services import previous_month


class ReportPeriodForm(ChartsPeriodForm):
    def __init__(self, data=None, **kwargs):
        if not data or not ({"van", "tot"} & set(data)):
            first, last = previous_month(timezone.localdate())
            data = {"van": first.isoformat(), "tot": last.isoformat()}
        super().__init__(data, **kwargs)
