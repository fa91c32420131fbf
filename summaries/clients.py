"""HTTP client for a GP practice's FHIR endpoint.

Only transport lives here: timeouts, the bearer token, retries of what is
worth retrying. What the bytes mean is summaries.fhir's business.
"""

from __future__ import annotations

import datetime as dt
import email.utils
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

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the practice asked us to wait (Retry-After)


class PracticeRefused(Exception):  # noqa: N818
    """A permanent failure: the token is refused, or the URL is wrong. Retrying won't help."""


class PageTooLarge(Exception):  # noqa: N818
    """The practice sent (or announced) a page over SUMMARY_MAX_PAGE_BYTES. It was not read
    to its end: a page that size is refused, and reading it would cost the memory the
    limit is there to protect. Retrying won't help."""

    def __init__(self, url: str, *, limit: int, declared: int | None, head: bytes) -> None:
        self.url, self.limit, self.declared, self.head = url, limit, declared, head
        if declared is not None:
            message = (
                f"page is {declared:,} bytes (Content-Length); the limit is {limit:,} "
                "(SUMMARY_MAX_PAGE_BYTES); not read"
            )
        else:
            message = (
                f"page is more than {limit:,} bytes; the limit is {limit:,} "
                # Not how far we read: that depends on the chunks, and the same page must
                # give the same reason (one quarantine item, however often it comes).
                "(SUMMARY_MAX_PAGE_BYTES); stopped reading there"
            )
        super().__init__(message)

    @property
    def size(self) -> int:
        """The page's size as far as we know it: announced, or what was read."""
        return self.declared if self.declared is not None else len(self.head)


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
                if exc.retry_after is not None:
                    # The practice said when to come back (429 or 503 with Retry-After):
                    # not before then. Longer than we wait in a pull: give up for now, the
                    # task's own retry (or the next scheduled pull) comes back later.
                    cap = settings.SUMMARY_RETRY_AFTER_MAX_SECONDS
                    if exc.retry_after > cap:
                        raise PracticeUnreachable(
                            f"{exc}; asked to retry after {exc.retry_after:,.0f} s, longer "
                            f"than SUMMARY_RETRY_AFTER_MAX_SECONDS ({cap:,.0f} s)",
                            retry_after=exc.retry_after,
                        ) from exc
                    delay = max(delay, exc.retry_after)
                logger.warning(
                    "practice fetch failed, retrying",
                    extra={
                        "url": _without_query(url),
                        "attempt": attempt,
                        "error": str(exc),
                        "delay_s": round(delay, 3),
                    },
                )
                time.sleep(delay)

    def _fetch_once(self, url: str) -> Page:
        try:
            with self._http.stream("GET", url) as response:
                status = response.status_code
                if status in (401, 403):
                    raise PracticeRefused(f"HTTP {status}: the practice refused our token")
                if status == 429 or status >= 500:
                    raise PracticeUnreachable(
                        f"HTTP {status} from the practice",
                        retry_after=retry_after_seconds(response.headers.get("retry-after")),
                    )
                if status != 200:
                    raise PracticeRefused(f"HTTP {status} for {_without_query(url)}")
                body = _read_capped(url, response, settings.SUMMARY_MAX_PAGE_BYTES)
                return Page(url, body, response.headers.get("content-type", ""))
        except httpx.TimeoutException as exc:
            raise PracticeUnreachable(
                f"timed out after {settings.SUMMARY_FETCH_TIMEOUT} s"
            ) from exc
        except httpx.TransportError as exc:
            raise PracticeUnreachable(f"cannot connect: {type(exc).__name__}") from exc
        except httpx.DecodingError as exc:
            raise PracticeUnreachable(f"the body could not be decoded: {exc}") from exc


def _read_capped(url: str, response: httpx.Response, limit: int) -> bytes:
    """The body, read as it streams in, never more than `limit` bytes (plus the last chunk):
    a page announced as larger is not read at all, one that grows past it is cut off. The
    bytes counted are the decoded ones, so a small compressed body cannot expand past it."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PageTooLarge(url, limit=limit, declared=int(declared), head=b"")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PageTooLarge(url, limit=limit, declared=None, head=b"".join(chunks))
    return b"".join(chunks)


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Retry-After (RFC 9110, 10.2.3) in seconds: delay-seconds or an HTTP-date; None when
    absent or unreadable (then the backoff alone decides)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # an HTTP-date is always GMT
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
