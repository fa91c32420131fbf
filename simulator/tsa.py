"""A local RFC 3161 timestamping authority for tests and the demo, played by `openssl ts`.

    python -m simulator.tsa --port 0 --dir var/tsa

Makes a root certificate and a timestamping certificate under it (extendedKeyUsage
timeStamping, critical) in --dir the first time, then answers each POST of a
`application/timestamp-query` with `openssl ts -reply`: a real authority's answer, signed
with a real key, that the portal checks as it checks any authority's (audit.anchors). It
prints one line when it listens: `tsa: http://127.0.0.1:<port>/ certificate=<pem>
roots=<pem>` — the values of LEDGER_TSA_URL, LEDGER_TSA_CERTIFICATE and LEDGER_TSA_ROOTS.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from simulator.process import ModuleProcess

ROOT = Path(__file__).resolve().parents[1]
POLICY = "1.3.6.1.4.1.99999.16.1"  # a private arc: this test authority's only policy
MAX_QUERY_BYTES = 4096


@dataclass(frozen=True)
class Authority:
    directory: Path

    @property
    def roots(self) -> Path:
        return self.directory / "root.crt"

    @property
    def certificate(self) -> Path:
        return self.directory / "tsa.crt"

    @property
    def config(self) -> Path:
        return self.directory / "tsa.cnf"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


def authority_make(directory: Path) -> Authority:
    """The root, the authority's key and certificate, and openssl's configuration, made once
    in `directory` (kept: a later start signs with the same key)."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = Authority(directory)
    if authority.config.exists():
        return authority
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "root.key", "-out", "root.crt", "-days", "3650",
        "-subj", "/CN=Spoedinzage test TSA root",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Spoedinzage test TSA",
        cwd=directory,
    )  # fmt: skip
    (directory / "tsa.ext").write_text(
        "extendedKeyUsage=critical,timeStamping\n"
        "keyUsage=critical,digitalSignature\n"
        "basicConstraints=CA:FALSE\n"
    )
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "root.crt", "-CAkey", "root.key",
        "-CAcreateserial", "-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.ext",
        cwd=directory,
    )  # fmt: skip
    (directory / "serial").write_text("01\n")
    # No `certs`: openssl would put the chain into the token's certificate SET out of DER
    # order, which strict parsers (rfc3161-client) refuse; the signer's own certificate is
    # included (the request asks for it) and the verifier has the roots.
    authority.config.write_text(
        "[ tsa ]\ndefault_tsa = local\n[ local ]\n"
        f"dir = {directory}\n"
        "serial = $dir/serial\ncrypto_device = builtin\n"
        "signer_cert = $dir/tsa.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\n"
        f"default_policy = {POLICY}\ndigests = sha256, sha384, sha512\n"
        "accuracy = secs:1\nordering = no\ntsa_name = yes\n"
        "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
    )
    return authority


def _handler(authority: Authority) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()  # openssl keeps the serial number in a file

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self._answer(415, b"expected application/timestamp-query", "text/plain")
                return
            if not 0 < length <= MAX_QUERY_BYTES:
                self._answer(400, b"bad length", "text/plain")
                return
            query = self.rfile.read(length)
            with lock, tempfile.TemporaryDirectory() as scratch:
                asked, answer = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
                asked.write_bytes(query)
                done = subprocess.run(  # noqa: S603
                    ["openssl", "ts", "-reply", "-config", str(authority.config),  # noqa: S607
                     "-queryfile", str(asked), "-out", str(answer)],
                    capture_output=True,
                )  # fmt: skip
                if done.returncode != 0 or not answer.exists():
                    self._answer(400, b"not a timestamp query", "text/plain")
                    return
                self._answer(200, answer.read_bytes(), "application/timestamp-reply")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet: tests read stdout's first line
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "tsa")
    args = parser.parse_args()
    authority = authority_make(args.dir.resolve())
    server = HTTPServer(("127.0.0.1", args.port), _handler(authority))
    print(
        f"tsa: http://127.0.0.1:{server.server_port}/ certificate={authority.certificate} "
        f"roots={authority.roots}",
        flush=True,
    )
    server.serve_forever()


class TsaProcess(ModuleProcess):
    """`python -m simulator.tsa --port 0 --dir D` as a process of its own, for tests; the
    certificate and roots read from the line it prints."""

    def __init__(self, directory: Path) -> None:
        super().__init__("simulator.tsa", "--dir", str(directory), ready="tsa:")
        words = dict(word.split("=", 1) for word in self.line.split() if "=" in word)
        self.certificate, self.roots = words["certificate"], words["roots"]


if __name__ == "__main__":
    main()
