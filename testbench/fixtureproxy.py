"""An HTTP(S) proxy on 127.0.0.1 that answers the sites' real URLs from fixtures/.

Spiders run unchanged, as a user runs them: `scrapy crawl people` with
`http_proxy` / `https_proxy` pointing here. Scrapy's own HttpProxyMiddleware sends
plain-http requests with absolute URLs and tunnels https with CONNECT; the tunnel
is answered with a throw-away self-signed certificate for the tunnelled host (Scrapy
does not verify certificate chains by default, like most crawlers). URLs with no
fixture get a 404.
"""
from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import mimetypes
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import FIXTURES_DIR


@dataclass(frozen=True)
class Fixture:
    url: str
    kind: str
    folder: Path
    content_type: str
    file: str = "page.html"

    @property
    def body(self) -> bytes:
        return (self.folder / self.file).read_bytes()


def _key(url: str, with_query: bool = True) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if with_query and parts.query else ""
    return f"{(parts.hostname or '').lower()}{path}{query}"


def load_fixtures(root: Path = FIXTURES_DIR) -> list[Fixture]:
    fixtures = []
    for meta_path in sorted(root.glob("*/*/meta.json")):
        meta = json.loads(meta_path.read_text("utf-8"))
        fixtures.append(Fixture(meta["url"], meta.get("kind", "article"), meta_path.parent,
                                meta.get("content_type", "text/html")))
        # Documents the page links to (附件), served from the fixture's folder.
        for url, name in meta.get("files", {}).items():
            served_as = mimetypes.guess_type(name)[0] or "application/octet-stream"
            fixtures.append(Fixture(url, "file", meta_path.parent, served_as, name))
    return fixtures


class FixtureSite:
    """URL → fixture lookup; scheme-insensitive, query-insensitive as a second try."""

    def __init__(self, fixtures: list[Fixture]) -> None:
        self.exact = {_key(f.url): f for f in fixtures}
        self.loose = {_key(f.url, with_query=False): f for f in fixtures}

    def find(self, url: str) -> Fixture | None:
        return self.exact.get(_key(url)) or self.loose.get(_key(url, with_query=False))


class HostCertificates:
    """A throw-away self-signed certificate per tunnelled host, naming that host (a DNS
    name, or an IP address) as subjectAltName, made on its first CONNECT and kept.

    Scrapy does not verify certificate chains, but it checks the name and logs "Remote
    certificate is not valid for hostname" for every connection whose certificate names
    another host: one certificate for all hosts made every crawl through here noisy."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.lock = threading.Lock()  # the proxy answers each connection in its own thread

    def context_for(self, host: str) -> ssl.SSLContext:
        host = host.strip("[]").lower()
        with self.lock:
            if host not in self.contexts:
                self.contexts[host] = self._context(host)
            return self.contexts[host]

    def _context(self, host: str) -> ssl.SSLContext:
        try:
            alt_name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            alt_name = x509.DNSName(host)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # load_cert_chain reads only files; the context keeps what it read.
        with tempfile.TemporaryDirectory(prefix="fixtureproxy-") as folder:
            cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_path.write_bytes(self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            context.load_cert_chain(cert_path, key_path)
        return context


class _Handler(BaseHTTPRequestHandler):
    server: "FixtureProxy"
    protocol_version = "HTTP/1.1"
    tunnel_host: str | None = None

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.certificates.context_for(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = tls.makefile("wb", self.wbufsize)
        self.tunnel_host = host
        self.close_connection = False
        while not self.close_connection:
            self.handle_one_request()

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _url(self) -> str:
        if self.path.startswith(("http://", "https://")):
            return self.path
        host = self.tunnel_host or self.headers.get("Host", "localhost")
        scheme = "https" if self.tunnel_host else "http"
        return f"{scheme}://{host}{self.path}"

    def _answer(self, send_body: bool) -> None:
        if self.server.delay:
            time.sleep(self.server.delay)  # a slower site, for tests that must catch a crawl mid-way
        url = self._url()
        fixture = self.server.site.find(url)
        self.server.requested.append(url)
        self.server.served_at.append(time.monotonic())
        if hasattr(fixture, "serve"):
            fixture.serve(self, send_body)  # a page that misbehaves on purpose (testbench/faults.py)
            return
        if fixture is None:
            body, status, content_type = b"<html><body>404 Not Found</body></html>", 404, "text/html"
        else:
            body, status, content_type = fixture.body, 200, fixture.content_type
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class FixtureProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: FixtureSite, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        super().__init__((host, port), _Handler)
        self.site = site
        self.delay = delay
        self.certificates = HostCertificates()
        self.requested: list[str] = []
        self.served_at: list[float] = []  # when each of `requested` was served, for throughput

    def handle_error(self, request, client_address) -> None:
        """A client killed mid-request (as the resume tests do) is not the proxy's error."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def proxy_env(self) -> dict[str, str]:
        """Environment that routes a Scrapy process through this proxy."""
        return {"http_proxy": self.url, "https_proxy": self.url, "HTTP_PROXY": self.url,
                "HTTPS_PROXY": self.url, "no_proxy": "", "NO_PROXY": ""}

    def start_in_thread(self) -> "FixtureProxy":
        threading.Thread(target=self.serve_forever, name="fixture-proxy", daemon=True).start()
        return self


def start(root: Path = FIXTURES_DIR, port: int = 0) -> FixtureProxy:
    return FixtureProxy(FixtureSite(load_fixtures(root)), port=port).start_in_thread()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES_DIR)
    args = parser.parse_args()
    proxy = FixtureProxy(FixtureSite(load_fixtures(args.fixtures)), port=args.port)
    print(f"serving {len(proxy.site.exact)} fixtures; export http_proxy={proxy.url} https_proxy={proxy.url}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
