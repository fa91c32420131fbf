"""HTTP client for a GP practice's FHIR endpoint.

Only transport lives here: timeouts, the bearer token, retries of what is
worth retrying. What the bytes mean is summaries.fhir's business.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings

from audit.identifiers import BSN_SYSTEM

logger = logging.getLogger(__name__)

ACCEPT = "application/fhir+json, application/fhir+xml;q=0.9, application/json;q=0.8"


class PracticeUnreachable(Exception):  # noqa: N818 - reads as a sentence
    """A transient failure: timeout, connection refused, 5xx, 429. Worth retrying later."""


class PracticeRefused(Exception):  # noqa: N818
    """A permanent failure: the token is refused, or the URL is wrong. Retrying won't help."""


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    content_type: str


def first_page_url(base_url: str, *, since_iso: str | None, count: int) -> str:
    params = {"_count": str(count), "_revinclude": "*", "_include": "Patient:general-practitioner"}
    if since_iso:
        params["_lastUpdated"] = f"gt{since_iso}"
    return f"{base_url.rstrip('/')}/Patient?{urlencode(params)}"


def patient_url(base_url: str, *, bsn: str) -> str:
    """One patient's summary by BSN, changed or not (summaries.services.refetch)."""
    params = {
        "identifier": f"{BSN_SYSTEM}|{bsn}",
        "_revinclude": "*",
        "_include": "Patient:general-practitioner",
    }
    return f"{base_url.rstrip('/')}/Patient?{urlencode(params)}"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every practice's client. Building one loads
    the CA bundle (~40 ms here), which a client per practice per pull paid 4,300 times in
    each refresh: most of the cost of asking a practice that has nothing new.

    It is what httpx.Client builds by default (verification on, SSL_CERT_FILE/SSL_CERT_DIR
    honoured), read once: a change to the CA store takes effect when the worker restarts.
    Its ALPN is set here, once, to what httpcore sets on each new connection anyway
    (HTTP/1.1), so that sharing it never means changing it.
    """
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class PracticeClient:
    def __init__(self, *, token: str, retries: int | None = None) -> None:
        self.retries = settings.SUMMARY_FETCH_RETRIES if retries is None else retries
        self._http = httpx.Client(
            verify=tls_context(),
            timeout=httpx.Timeout(
                settings.SUMMARY_FETCH_TIMEOUT, connect=settings.SUMMARY_CONNECT_TIMEOUT
            ),
            headers={"Authorization": f"Bearer {token}", "Accept": ACCEPT},
            follow_redirects=False,
        )

    def __enter__(self) -> PracticeClient:
        return self

    def __exit__(self, *exc) -> None:
        self._http.close()

    def fetch(self, url: str) -> Page:
        """GET one page; retry transient failures with exponential backoff and jitter."""
        attempt = 0
        while True:
            try:
                return self._fetch_once(url)
            except PracticeUnreachable as exc:
                attempt += 1
                if attempt > self.retries:
                    raise
                delay = settings.SUMMARY_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
                delay *= 1 + random.random() / 2  # noqa: S311 - jitter, not security
                logger.warning(
                    "practice fetch failed, retrying",
                    extra={"url": _without_query(url), "attempt": attempt, "error": str(exc)},
                )
                time.sleep(delay)

    def _fetch_once(self, url: str) -> Page:
        try:
            response = self._http.get(url)
        except httpx.TimeoutException as exc:
            raise PracticeUnreachable(
                f"timed out after {settings.SUMMARY_FETCH_TIMEOUT} s"
            ) from exc
        except httpx.TransportError as exc:
            raise PracticeUnreachable(f"cannot connect: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise PracticeRefused(f"HTTP {status}: the practice refused our token")
        if status == 429 or status >= 500:
            raise PracticeUnreachable(f"HTTP {status} from the practice")
        if status != 200:
            raise PracticeRefused(f"HTTP {status} for {_without_query(url)}")
        return Page(url, response.content, response.headers.get("content-type", ""))


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
