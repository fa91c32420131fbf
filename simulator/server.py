"""HTTP front of the simulator: stdlib ThreadingHTTPServer, one thread per connection."""

from __future__ import annotations

import hmac
import re
import sys
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import SplitResult, parse_qs, urlsplit

import orjson

from simulator.app import SearchError, Simulator
from simulator.bundle import operation_outcome
from simulator.faults import parse_faults

MAX_BODY = 1024 * 1024
_FHIR = re.compile(r"^/practices/(\d{8})/fhir/(.*)$")
_ADMIN = re.compile(r"^/_admin/practices/(\d{8})/(touch|faults)$")


class ClientError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: tuple = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False  # Transfer-Encoding: chunked, no Content-Length (a fault)


def outcome(status: int, code: str, message: str, headers: tuple = ()) -> Response:
    return Response(status, operation_outcome(code, message), "application/fhir+json", headers)


def as_json(data: object) -> Response:
    return Response(200, orjson.dumps(data))


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True  # held (timeout) requests must not keep the process alive
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], *, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.verbose = verbose
        self.sim: Simulator | None = None

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-request is routine here (timeouts are tested on
        # purpose): at most one line, never a traceback.
        if self.verbose:
            print(f"simulator: {client_address[0]}: {sys.exc_info()[1]!r}", file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a benchmark reuses its connections
    server_version = "spoedinzage-simulator/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections go away eventually
    server: SimulatorServer

    def do_GET(self) -> None:  # the stdlib names these
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _send logs instead, with the timing

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            sys.stderr.write(f"simulator: {self.address_string()} {format % args}\n")

    @property
    def sim(self) -> Simulator:
        if self.server.sim is None:  # set before serving starts
            raise RuntimeError("the simulator is not attached to its server")
        return self.server.sim

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        try:
            body = self._read_body()
            response = self._route(method, url, body)
        except ClientError as exc:
            response = outcome(exc.status, exc.code, exc.message, exc.headers)
        except Exception as exc:  # a simulator bug: answer and log one line, not a traceback
            print(f"simulator: {method} {url.path}: {exc!r}", file=sys.stderr, flush=True)
            response = outcome(500, "exception", "internal simulator error")
        if response is None:  # the timeout fault: leave without answering
            self.close_connection = True
            return
        self._send(response)
        if self.server.verbose:
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(
                f"simulator: {method} {self.path} {response.status} "
                f"{len(response.body)}B {elapsed:.1f}ms\n"
            )

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ClientError(400, "invalid", "Content-Length is not a number") from None
        if length > MAX_BODY:
            self.close_connection = True
            raise ClientError(413, "too-costly", "request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if response.chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if response.chunked:
                self._write_chunks(response.body)
            else:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write_chunks(self, body: bytes, size: int = 64 * 1024) -> None:
        """The body as HTTP/1.1 chunks: the size is not told in advance, as a server that
        streams its answer sends it."""
        for start in range(0, len(body), size):
            chunk = body[start : start + size]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _route(self, method: str, url: SplitResult, body: bytes) -> Response | None:
        path = url.path
        if match := _FHIR.match(path):
            return self._fhir(method, match.group(1), match.group(2), url)
        if path == "/_admin/practices":
            _allow(method, "GET")
            return as_json(self.sim.listing())
        if path == "/_admin/touch":
            _allow(method, "POST")
            fraction, patients = _touch_request(body)
            touched = self.sim.touch(self.sim.practices, fraction=fraction, patients=patients)
            return as_json({"touched": touched})
        if match := _ADMIN.match(path):
            practice = self.sim.by_agb.get(match.group(1))
            if practice is None:
                raise ClientError(404, "not-found", f"no practice with AGB {match.group(1)}")
            if match.group(2) == "touch":
                _allow(method, "POST")
                if not practice.generated:
                    raise ClientError(400, "not-supported", "a --from-dir practice has files")
                fraction, patients = _touch_request(body)
                if patients is not None and any(p >= practice.patients for p in patients):
                    raise ClientError(400, "invalid", f"patients are 0..{practice.patients - 1}")
                touched = self.sim.touch([practice], fraction=fraction, patients=patients)
                return as_json({"touched": touched})
            return self._faults(method, practice.agb, body)
        raise ClientError(404, "not-found", f"no such endpoint: {path}")

    def _faults(self, method: str, agb: str, body: bytes) -> Response:
        _allow(method, "GET", "PUT", "DELETE")
        box = self.sim.faults[agb]
        if method == "PUT":
            try:
                box.set(parse_faults(_json(body)))
            except ValueError as exc:
                raise ClientError(400, "invalid", str(exc)) from None
        elif method == "DELETE":
            box.set(None)
        return as_json(box.current())

    def _fhir(self, method: str, agb: str, rest: str, url: SplitResult) -> Response | None:
        sim = self.sim
        practice = sim.by_agb.get(agb)
        if practice is None:
            raise ClientError(404, "not-found", f"no practice with AGB {agb}")
        if rest != "Patient":
            raise ClientError(404, "not-supported", "only the Patient search is supported")
        _allow(method, "GET")
        faults = sim.faults[agb].take()
        if faults and faults.latency_ms:
            sim.stopping.wait(faults.latency_ms / 1000)
        if faults and faults.timeout_s:
            sim.stopping.wait(faults.timeout_s)
            return None
        self._authorise(practice.token, wrong_token=bool(faults and faults.wrong_token))
        if faults and faults.status:
            transient = faults.status in (429, 502, 503, 504)
            code = "transient" if transient else "exception"
            headers = (
                () if faults.retry_after is None else (("Retry-After", str(faults.retry_after)),)
            )
            return outcome(faults.status, code, f"simulated fault: HTTP {faults.status}", headers)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            page = sim.search(
                practice, query, f"{sim.origin}{self.path}", faults and faults.invalid
            )
        except SearchError as exc:
            raise ClientError(400, "invalid", str(exc)) from None
        body = page.body[: len(page.body) // 2] if faults and faults.truncate else page.body
        return Response(200, body, page.content_type, chunked=bool(faults and faults.chunked))

    def _authorise(self, token: str, *, wrong_token: bool) -> None:
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        valid = scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
        if wrong_token or not valid:
            raise ClientError(
                401,
                "login",
                "missing or wrong bearer token",
                (("WWW-Authenticate", 'Bearer realm="simulator"'),),
            )


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise ClientError(
            405, "not-supported", f"{method} not allowed", (("Allow", ", ".join(allowed)),)
        )


def _json(body: bytes) -> object:
    try:
        return orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        raise ClientError(400, "invalid", "the request body is not JSON") from None


def _touch_request(body: bytes) -> tuple[float | None, list[int] | None]:
    data = _json(body)
    if isinstance(data, dict) and isinstance(data.get("patients"), list):
        patients = data["patients"]
        if all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in patients):
            return None, patients
    elif isinstance(data, dict) and "fraction" in data:
        fraction = data["fraction"]
        if isinstance(fraction, int | float) and not isinstance(fraction, bool):
            if 0 <= fraction <= 1:
                return float(fraction), None
    raise ClientError(
        400, "invalid", 'send {"fraction": 0..1} or {"patients": [non-negative integers]}'
    )
