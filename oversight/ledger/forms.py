"""The supervisors' search of the ledger and the charts' period: GET forms, so that a search
can be bookmarked. The field names are the query parameters of the URLs (Dutch, like the
URLs): gebruiker, bsn, van, tot, soort, pagina (the search); van, tot (the charts)."""

from __future__ import annotations

import datetime as dt
import functools

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.identifiers import validate_bsn
from audit.models import EventType
from oversight.ledger.selectors import BadCursor, Cursor, LedgerQuery
from portal.widgets import PlainSelect

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
SELECT = "utrecht-select utrecht-select--html-select"
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]  # the browser's date picker sends the first
CHARTS_DAYS = 30  # the charts' default period: the last 30 days, today included
CHARTS_MAX_DAYS = 366
# The dates a search or the charts may name: the ledger holds nothing before the portal
# existed, nor far ahead; a date out of these bounds is an error at its field (the
# period's arithmetic would overflow at the calendar's ends).
EARLIEST_DATE = dt.date(2000, 1, 1)
DAYS_AHEAD = 366


def latest_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=DAYS_AHEAD)


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", "class": TEXTBOX}, format="%Y-%m-%d"),
    )


@functools.lru_cache(maxsize=8)
def _event_types_in(language: str) -> tuple[tuple[str, str], ...]:
    with translation.override(language):
        return (("", str(_("Any"))), *((value, str(label)) for value, label in EventType.choices))


def _event_types() -> tuple[tuple[str, str], ...]:
    # A callable: each form copies its fields (deepcopy), and a list of 50 choices with
    # lazy labels cost ~100 copies a page; a callable's iterator is copied as one object.
    # Its labels translated once per language and process, not 50 lookups a page; a tuple,
    # so that PlainSelect writes its options once per language and selection too.
    return _event_types_in(translation.get_language())


class _Named(forms.Form):
    """Each error names its field (it is read out, and listed above the form, on its own)."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = gettext(
                    "“%(field)s” is not a date (dd-mm-yyyy)."
                ) % {"field": field.label}

    def clean(self):
        data = super().clean()
        latest = latest_date()
        for name, field in self.fields.items():
            day = data.get(name)
            if isinstance(field, forms.DateField) and day and not EARLIEST_DATE <= day <= latest:
                self.add_error(
                    name,
                    gettext("“%(field)s” must be a date from %(first)s to %(last)s.")
                    % {
                        "field": field.label,
                        "first": f"{EARLIEST_DATE:%d-%m-%Y}",
                        "last": f"{latest:%d-%m-%Y}",
                    },
                )
        return data

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # the text_field component writes the error with this id
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def _period(self, data: dict) -> None:
        first, last = data.get("van"), data.get("tot")
        if first and last and last < first:
            self.add_error(
                "tot",
                gettext("“%(to)s” is before “%(from)s”: the period ends on or after its start.")
                % {"to": self.fields["tot"].label, "from": self.fields["van"].label},
            )


class LedgerSearchForm(_Named):
    gebruiker = forms.CharField(
        label=_("User (username)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "off"}),
    )
    bsn = forms.CharField(
        label=_("Patient BSN"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": TEXTBOX, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )
    van = _date(_("From (date)"))
    tot = _date(_("To (date, included)"))
    soort = forms.ChoiceField(
        label=_("Event type"),
        required=False,
        choices=_event_types,
        widget=PlainSelect(attrs={"class": SELECT}),
    )
    # Where the page starts: a signed cursor from the "older"/"newer" links, never typed.
    pagina = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_bsn(self) -> str:
        bsn = "".join(self.cleaned_data["bsn"].split()).replace(".", "")
        if bsn:
            validate_bsn(bsn)
        return bsn

    def clean_pagina(self) -> Cursor | None:
        token = self.cleaned_data["pagina"]
        if not token:
            return None
        try:
            return Cursor.loads(token)
        except BadCursor:
            raise forms.ValidationError(
                gettext(
                    "The link to this page of the log is damaged or was changed. "
                    "Search again to start from the newest events."
                ),
                code="bad_cursor",
            ) from None

    def clean(self):
        data = super().clean()
        self._period(data)
        return data

    def typed(self) -> tuple[tuple[str, str], ...]:
        """The search's fields as they were typed, those left empty left out: what the page
        links carry on (with the page's cursor), and the key of the kept form markup
        (templates/oversight/ledger/search.html). Read from the data with .get, not in the
        template as form.data.<field>: each field absent from the URL was a failed lookup
        there (KeyError, AttributeError, dir() of the QueryDict: ~10 µs each)."""
        data = self.data
        return tuple((name, value) for name in SEARCH_FIELDS if (value := data.get(name, "")))

    def query(self) -> LedgerQuery:
        data = self.cleaned_data
        return LedgerQuery(
            username=data["gebruiker"].strip(),
            bsn=data["bsn"],
            first=data["van"],
            last=data["tot"],
            event_type=data["soort"],
            cursor=data["pagina"],
        )


# The fields a search is made of: the visible ones (the page's position, pagina, is not one).
SEARCH_FIELDS = tuple(
    name for name, field in LedgerSearchForm.base_fields.items() if not field.widget.is_hidden
)


class ChartsPeriodForm(_Named):
    van = _date(_("From (date)"))
    tot = _date(_("To (date, included)"))

    def __init__(self, data, **kwargs):
        # Always bound: without a period in the URL, the last CHARTS_DAYS days (and the
        # fields show them).
        if not data or not ({"van", "tot"} & set(data)):
            today = timezone.localdate()
            first = today - dt.timedelta(days=CHARTS_DAYS - 1)
            data = {"van": first.isoformat(), "tot": today.isoformat()}
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if "tot" in data and not data["tot"]:
            data["tot"] = today
        if "van" in data and not data["van"] and data.get("tot"):
            data["van"] = data["tot"] - dt.timedelta(days=CHARTS_DAYS - 1)
        self._period(data)
        first, last = data.get("van"), data.get("tot")
        if first and last and "tot" not in self.errors:
            if (last - first).days + 1 > CHARTS_MAX_DAYS:
                self.add_error(
                    "tot",
                    gettext("Choose a period of at most %(days)s days.")
                    % {"days": CHARTS_MAX_DAYS},
                )
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["van"], self.cleaned_data["tot"]
