"""Quiet, honest logs: the fixture proxy's certificates name the hosts they serve, and our
components use Scrapy 2.19's signatures, so a crawl logs neither TLS name warnings nor
ScrapyDeprecationWarnings."""
import ipaddress
import socket
import ssl

import pytest
from cryptography import x509

from tests.conftest import run_scrapy


def tunnel_certificate(proxy, host: str) -> x509.Certificate:
    """The certificate the proxy shows inside a CONNECT tunnel to host:443."""
    with socket.create_connection(proxy.server_address[:2], timeout=30) as raw:
        raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.check_hostname, client.verify_mode = False, ssl.CERT_NONE  # self-signed: only the names are read
        server_name = None if host.startswith("[") or host[0].isdigit() else host
        with client.wrap_socket(raw, server_hostname=server_name) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


@pytest.mark.parametrize("host,name", [
    ("www.163.com", x509.DNSName("www.163.com")),
    ("127.0.0.1", x509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
    ("[::1]", x509.IPAddress(ipaddress.ip_address("::1"))),
])
def test_tunnel_certificate_names_its_host(fixture_proxy, host, name):
    names = tunnel_certificate(fixture_proxy, host).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(names) == [name]


def test_certificates_are_made_once_per_host(fixture_proxy):
    first = tunnel_certificate(fixture_proxy, "news.163.com")
    assert tunnel_certificate(fixture_proxy, "news.163.com").serial_number == first.serial_number
    assert tunnel_certificate(fixture_proxy, "money.163.com").serial_number != first.serial_number


def test_https_crawl_logs_no_tls_or_deprecation_warnings(fixture_proxy, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", "netease", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}"], env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.read_text("utf-8").count("https://") > 0  # the crawl went through CONNECT tunnels
    assert "'downloader/response_count'" in result.stderr
    assert "Remote certificate is not valid" not in result.stderr
    assert "ScrapyDeprecationWarning" not in result.stderr
    assert "[py.warnings]" not in result.stderr  # no other Python warning either
    # A clean crawl warns about nothing: the only warnings a fixture crawl may log are its
    # dedup drops, which say something real about the data.
    warnings = [line for line in result.stderr.splitlines() if "WARNING:" in line and "Dropped: duplicate" not in line]
    assert warnings == []
