"""bench/lookup.py's checks on what a request answered: a figure must never be measured on
error pages. Pure functions, no server (the bench itself is not part of the suite)."""

from __future__ import annotations

import pytest

from bench.common import BenchFailure, Request, check_response, check_wrk, parse_wrk
from bench.lookup import CONSENT_PAGE

SUMMARY = Request("summary", "/triage/0ea936d3/samenvatting/", "sessionid=x", text="Ravi Aarden")
SEARCH = Request(
    "search",
    "/triage/",
    "sessionid=x",
    body="bsn=1&birth_date=2000-01-01",
    csrf="c",
    status=302,
    location=CONSENT_PAGE,
)
CONSENT = "/triage/0ea936d3-5eb2-4100-b8cd-23519419f93e/toestemming/"

# wrk 4.1's report of a run in which the summary page answered 500 (missing static files).
WRK_WITH_500S = """\
Running 10s test @ http://127.0.0.1:40123
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    52.11ms   20.13ms 181.40ms   71.20%
    Req/Sec    73.35     15.02   110.00     68.00%
  Latency Distribution
     50%   51.23ms
     75%   62.10ms
     90%   78.44ms
     99%  120.79ms
  1473 requests in 10.02s, 21.93MB read
  Non-2xx or 3xx responses: 1473
Requests/sec:    146.96
Transfer/sec:      2.19MB
"""
WRK_CLEAN = WRK_WITH_500S.replace("  Non-2xx or 3xx responses: 1473\n", "")
WRK_TIMEOUTS = WRK_CLEAN.replace(
    "Requests/sec:", "  Socket errors: connect 0, read 0, write 0, timeout 12\nRequests/sec:"
)


def test_check_response_summary_500_names_request_and_status():
    expected = r"summary \(GET /triage/0ea936d3/samenvatting/\) answered HTTP 500, expected 200"
    with pytest.raises(BenchFailure, match=expected):
        check_response(SUMMARY, 500, "", "<h1>Server Error (500)</h1>")
    # An error page that happens to name the patient is still an error page.
    with pytest.raises(BenchFailure, match=expected):
        check_response(SUMMARY, 500, "", "<h1>Ravi Aarden</h1> Missing staticfiles manifest entry")


def test_check_response_summary_without_the_patient_fails():
    with pytest.raises(BenchFailure, match="Ravi Aarden"):
        check_response(SUMMARY, 200, "", "<h1>Geen samenvatting beschikbaar</h1>")


def test_check_response_search_redirected_to_login_fails():
    with pytest.raises(BenchFailure, match="redirected to '/accounts/login/"):
        check_response(SEARCH, 302, "/accounts/login/?next=/triage/", "")


def test_check_response_accepts_working_pages():
    check_response(SUMMARY, 200, "", "<h1>Ravi Aarden</h1>")
    check_response(SEARCH, 302, CONSENT, "")


def test_check_wrk_run_with_500s_fails():
    result = parse_wrk(WRK_WITH_500S)
    assert (result["errors"], result["requests"]) == (1473, 1473)
    with pytest.raises(BenchFailure, match="summary: 1473 of 1473 responses were not 2xx/3xx"):
        check_wrk("summary", result)


def test_check_wrk_run_with_timeouts_fails():
    with pytest.raises(BenchFailure, match="12 socket errors"):
        check_wrk("summary", parse_wrk(WRK_TIMEOUTS))


def test_check_wrk_accepts_clean_run():
    result = parse_wrk(WRK_CLEAN)
    check_wrk("summary", result)
    assert (result["p50"], result["p99"], result["rps"]) == (51.23, 120.79, 146.96)


def test_parse_wrk_unreadable_report_fails():
    with pytest.raises(BenchFailure, match="could not be read"):
        parse_wrk("unable to connect to 127.0.0.1:40123 Connection refused\n")
