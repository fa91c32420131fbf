"""The supervisors' charts (/toezicht/logboek/grafieken/): counts per day and hour in Dutch
time of their own organisation's events, drawn by pygal as SVG images without any script,
each with its figures as a table; reading them is a ledger event."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from html import unescape

import pytest
from django.utils import timezone, translation

from audit import events
from audit.models import AccessEvent, ConsentBasis, EventType, MisuseAlert, Purpose
from oversight.ledger.selectors import ledger_figures
from tests.oversight.test_ledger import (
    AMSTERDAM,
    BSN_A,
    BSN_B,
    OTHER_URA,
    OWN_URA,
    actor,
    at,
    reads,
    search,
    supervisor,  # noqa: F401 - fixture
    view,
)

# Every test reads the pages as a supervisor of the organisation OWN_URA.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("supervisor")]

URL = "/toezicht/logboek/grafieken/"
NOV = {"van": "2026-11-01", "tot": "2026-11-30"}


def moment(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=AMSTERDAM)


def svgs(page: str) -> dict[str, str]:
    """Each chart's SVG, decoded from its data: URI, by the chart's key."""
    found = re.findall(
        r'data-chart="(\w+)">.*?<img src="data:image/svg\+xml;base64,([^"]+)"', page, re.S
    )
    return {key: base64.b64decode(data).decode() for key, data in found}


def series(svg: str) -> list[dict[str, int]]:
    """pygal's values per series: {x label: value} (each bar's <desc> elements)."""
    out = []
    for body in re.split(r'<g class="series serie-\d+ color-\d+">', svg)[1:]:
        bars = re.findall(
            r'<desc class="value">(\d+)</desc>.*?<desc class="x_label">([^<]*)</desc>',
            body.split('class="series serie-')[0],
            re.S,
        )
        if bars:
            out.append({unescape(label): int(value) for value, label in bars})
    return out


@pytest.fixture
def november():
    """Known events of the organisation, and of another that must not count."""
    sanne, other = actor("sanne"), actor("piet", OTHER_URA)
    for minute in (0, 10, 20):  # 3 views on 3 November, 14:xx Dutch time
        view(sanne, BSN_A, moment(3, 14, minute))
    view(sanne, BSN_B, moment(3, 0, 30), ConsentBasis.EMERGENCY_ACCESS)  # 23:30 UTC the day before
    search(sanne, BSN_A, moment(4, 9))
    search(sanne, BSN_B, moment(4, 9, 5))
    with at(moment(5, 2)):
        events.point_of_care_answered(
            actor=sanne,
            patient_bsn=BSN_B,
            event_type=EventType.EMERGENCY_ACCESS,
            encounter=uuid.uuid4(),
            by_representative=False,
            representative="",
            indications=[],
            emergency_reason="unconscious",
            register_lasting=False,
        )
    for _ in range(5):
        view(other, BSN_A, moment(3, 14))
    search(other, BSN_A, moment(4, 9))
    for username, ura, day in (("sanne", OWN_URA, 6), ("piet", OTHER_URA, 6), ("bram", OWN_URA, 6)):
        MisuseAlert.objects.create(
            kind=MisuseAlert.Kind.VIEW_VOLUME,
            first_seen_at=moment(day, 1),
            last_seen_at=moment(day, 3),
            username=username,
            user_name=username,
            organisation_ura=ura,
        )


def test_the_charts_show_the_organisations_counts_per_day_in_dutch_time(client, november):
    response = client.get(URL, NOV)
    assert response.status_code == 200
    charts = svgs(response.content.decode())
    assert list(charts) == [
        "lookups_per_day",
        "lookups_per_hour",
        "consent_bases",
        "emergency_per_day",
        "alerts_per_day",
    ]
    searches, views = series(charts["lookups_per_day"])
    assert len(views) == 30
    # 3 + the emergency view at 00:30 on 3 November; nothing of the other organisation.
    assert views["03-11"] == 4 and views["02-11"] == 0 and sum(views.values()) == 4
    assert searches["04-11"] == 2 and sum(searches.values()) == 2

    searches, views = series(charts["lookups_per_hour"])
    assert views["14"] == 3 and views["00"] == 1 and searches["09"] == 2
    assert sum(views.values()) == 4

    (bases,) = series(charts["consent_bases"])
    assert bases == {"Registered consent, confirmed": 3, "Emergency access under a policy": 1}

    granted, refused = series(charts["emergency_per_day"])
    assert granted["05-11"] == 1 and sum(granted.values()) == 1 and sum(refused.values()) == 0

    (alerts,) = series(charts["alerts_per_day"])
    assert alerts["06-11"] == 2 and sum(alerts.values()) == 2


def test_each_chart_has_its_figures_as_a_table_and_no_script(client, november):
    page = client.get(URL, NOV).content.decode()
    assert "<script" not in page
    for svg in svgs(page).values():
        assert "<script" not in svg and "<svg" in svg
    # The text alternative: the figures of the day with 3 + 1 views, in a <details>.
    assert page.count("<details>") == 5
    assert re.search(
        r'scope="row">03-11-2026</th><td class="utrecht-table__cell">0</td>'
        r'<td class="utrecht-table__cell">4</td>',
        page,
    )
    assert (
        'alt="Bar chart of patient searches and summary views per day, 01-11-2026 to 30-11-2026.'
        in page
    )


def test_reading_the_charts_is_a_ledger_event_with_the_period(client, november):
    client.get(URL, NOV)
    (read,) = reads()
    assert (read.event_type, read.purpose_of_use, read.organisation_ura, read.patient_bsn) == (
        EventType.ADMIN_READ,
        Purpose.OPERATIONS,
        OWN_URA,
        "",
    )
    assert read.detail == {"page": "charts", "period": {"from": "2026-11-01", "to": "2026-11-30"}}


def test_the_default_period_is_the_last_30_days(client):
    today = timezone.localdate()
    view(actor("sanne"), BSN_A, timezone.now())
    page = client.get(URL).content.decode()
    first = today - dt.timedelta(days=29)
    assert f'value="{first.isoformat()}"' in page and f'value="{today.isoformat()}"' in page
    (_searches, views) = series(svgs(page)["lookups_per_day"])
    assert len(views) == 30 and views[f"{today:%d-%m}"] == 1
    assert reads()[0].detail["period"] == {"from": first.isoformat(), "to": today.isoformat()}


def test_a_wrong_period_names_the_field_and_shows_nothing(client):
    page = client.get(URL, {"van": "2026-11-05", "tot": "2026-11-01"}).content.decode()
    assert "“To (date, included)” is before “From (date)”" in page and 'href="#id_tot"' in page
    assert "data:image/svg+xml" not in page
    page = client.get(URL, {"van": "2024-01-01", "tot": "2026-11-01"}).content.decode()
    assert "Choose a period of at most 366 days." in page
    # Dates at the calendar's ends: a field error, not an error page.
    for query, errors in (
        ({"van": "01-12-9999", "tot": "31-12-9999"}, ["van", "tot"]),
        ({"tot": "05-01-0001"}, ["tot"]),  # "van" would be 30 days before year 1
        ({"van": "31-12-1999"}, ["van"]),
    ):
        response = client.get(URL, query)
        assert response.status_code == 200
        page = response.content.decode()
        labels = {"van": "From (date)", "tot": "To (date, included)"}
        for name in errors:
            assert f"“{labels[name]}” must be a date from 01-01-2000 to " in page, query
            assert f'href="#id_{name}"' in page
        assert "data:image/svg+xml" not in page
    assert reads() == []


def test_the_figures_are_counted_in_sql_for_the_organisation_only(
    november, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4), translation.override("en"):
        figures = ledger_figures(OWN_URA, first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30))
    assert [d.views for d in figures.days if d.views] == [4]
    assert figures.bases == [
        ("Registered consent, confirmed", 3),
        ("Emergency access under a policy", 1),
    ]
    assert AccessEvent.objects.filter(event_type=EventType.SUMMARY_VIEW).count() == 9
