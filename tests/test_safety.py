"""Address safety (crawler/safety.py): the generic spider connects to public addresses only.

A real server on 127.0.0.1 stands for what must be protected (a router's admin page, a
database's HTTP port, the 169.254.169.254 metadata service). Every refusal test asserts
it received NO request; control runs with GENERIC_ALLOW_PRIVATE=True show that the same
routes do reach it, so the refusals are not an accident of the setup.

The crawls use a proxy on 127.0.0.1 (the user's own configuration, allowed) that answers
`news.example` from a route table and, like a real proxy, forwards any other URL to
whatever address it names. Two names resolve to 127.0.0.1 through tests/loopback_resolver.py
and bypass the proxy (`no_proxy`), so they are connected to directly, after a real lookup.
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import redis
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from testbench.faults import _send
from testbench.fixtureproxy import FixtureProxy, HostCertificates
from crawler.safety import AddressGuardMiddleware, GuardedResolver, host_refusal, ip_literal
from crawler.spiders.generic import GenericSpider
from crawler.spiders.people import PeopleSpider
from tests.conftest import FIXTURES, run_scrapy

ARTICLE = (FIXTURES / "fallback" / "blog_article" / "page.html").read_bytes()
# 127.0.0.1 as a URL may spell it; each reaches the protected server when allowed.
LOOPBACK = {"dotted": "127.0.0.1", "short": "127.1", "hex": "0x7f000001", "decimal": "2130706433",
            "octal": "0177.0.0.1", "mapped": "[::ffff:127.0.0.1]", "localhost": "localhost"}
LOOPBACK_NAMES = ["sub.news.example", "intranet.example"]  # public-looking, resolving to 127.0.0.1


@pytest.mark.parametrize("host", ["127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.1", "0",
                                  "10.1", "0xa.0x1.0x2.0x3", "0300.0250.1.1", "8.8.8.8", "134744072"])
def test_ip_literal_reads_a_spelling_as_the_system_resolver_does(host):
    assert ip_literal(host) == ipaddress.IPv4Address(socket.gethostbyname(host))


@pytest.mark.parametrize("host, reason", [
    *[(h, "private-address") for h in [
        "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.0.0.1.", "0", "",
        "10.1.2.3", "172.16.0.1", "0300.0250.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "198.18.0.1", "240.0.0.1", "255.255.255.255", "::1", "[::1]", "[::ffff:127.0.0.1]",
        "::ffff:7f00:1", "fe80::1", "fc00::1", "::", "①②⑦.0.0.1"]],
    *[(h, "private-name") for h in [
        "localhost", "LOCALHOST", "localhost.", "a.localhost", "intranet.local", "db.internal",
        "router.lan", "nas.home.arpa", "ｌｏｃａｌｈｏｓｔ"]],
    *[(h, None) for h in [
        "8.8.8.8", "0x08080808", "134744072", "[2001:4860:4860::8888]", "example.com",
        "www.people.com.cn", "08.0.0.1", "localhost.example.com"]],
])
def test_host_refusal(host, reason):
    assert host_refusal(host) == reason


class FixedAnswers(GuardedResolver):
    """The check alone: a lookup with set answers."""

    answers = {"public.example": "93.184.216.34", "rebound.example": "169.254.169.254",
               "cgnat.example": "100.64.0.1", "proxy.example": "127.0.0.1"}

    def lookup(self, name, timeout=()):
        return defer.succeed(self.answers[name])


def _resolve(resolver: GuardedResolver, name: str):
    results = []
    resolver.getHostByName(name).addBoth(results.append)
    return results[0]


def test_the_armed_resolver_refuses_names_resolving_to_non_global_addresses_but_the_proxy():
    resolver = FixedAnswers(None, 0, 1.0)
    assert _resolve(resolver, "rebound.example") == "169.254.169.254"  # not armed: a plain resolver
    resolver.armed = True
    resolver.proxy_hosts.add("proxy.example")
    assert _resolve(resolver, "public.example") == "93.184.216.34"
    assert _resolve(resolver, "proxy.example") == "127.0.0.1"
    for name in ("rebound.example", "cgnat.example"):
        assert _resolve(resolver, name).check(DNSLookupError)
    assert resolver.refused == {"rebound.example": "169.254.169.254", "cgnat.example": "100.64.0.1"}


def test_the_guard_is_for_the_generic_spider_and_off_when_allowed():
    assert isinstance(AddressGuardMiddleware.from_crawler(get_crawler(GenericSpider)), AddressGuardMiddleware)
    with pytest.raises(NotConfigured):
        AddressGuardMiddleware.from_crawler(get_crawler(PeopleSpider))
    with pytest.raises(NotConfigured):
        AddressGuardMiddleware.from_crawler(get_crawler(GenericSpider, {"GENERIC_ALLOW_PRIVATE": True}))


@pytest.fixture
def guard(monkeypatch):
    """The middleware of a generic crawl, with the armed resolver of FixedAnswers."""
    middleware = AddressGuardMiddleware.from_crawler(get_crawler(GenericSpider))
    resolver = FixedAnswers(None, 0, 1.0)
    resolver.armed = True
    monkeypatch.setattr(middleware, "resolver", lambda: resolver)
    return middleware


@pytest.mark.parametrize("url, reason", [
    ("http://ｌｏｃａｌｈｏｓｔ/a.html", "private-name"), ("http://①②⑦.0.0.1/a.html", "private-address"),
    ("http://0X7F000001/", "private-address"), ("https://[::ffff:a9fe:a9fe]/latest/meta-data/", "private-address"),
])
def test_the_middleware_refuses_hosts_as_scrapy_spells_them(guard, url, reason):
    with pytest.raises(IgnoreRequest):
        guard.process_request(Request(url))
    assert guard.crawler.stats.get_value(f"generic/refused/{reason}") == 1


def test_a_proxy_is_allowed_only_as_a_proxy(guard):
    resolver = guard.resolver()
    assert guard.process_request(Request("http://news.example/", meta={"proxy": "proxy.example:3128"})) is None
    assert resolver.proxy_hosts == {"proxy.example"}
    with pytest.raises(IgnoreRequest):  # behind a proxy, targets still get the spelling check
        guard.process_request(Request("http://127.1/", meta={"proxy": "http://proxy.example:3128"}))
    with pytest.raises(IgnoreRequest):  # the resolver lets the proxy's name through: not for a direct request
        guard.process_request(Request("http://proxy.example:3128/admin"))
    assert guard.crawler.stats.get_value("generic/refused/proxy-host") == 1


def test_a_refused_lookup_is_counted_once_a_request_and_logged_once_a_host(guard, caplog):
    _resolve(guard.resolver(), "rebound.example")
    for path in ("/a", "/b"):
        with pytest.raises(IgnoreRequest):
            guard.process_exception(Request(f"http://rebound.example{path}"), CannotResolveHostError("no results"))
    other = CannotResolveHostError("no results for hostname lookup: gone.example")
    assert guard.process_exception(Request("http://gone.example/"), other) is None  # a real failure: retried
    assert guard.crawler.stats.get_value("generic/refused/resolves-private") == 2
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["Refused 'rebound.example'"]


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        _send(self, 200, ARTICLE, "text/html", True)

    def log_message(self, format, *args) -> None:
        pass


class _Protected:
    """The private service, on http and https: records every request, answers with an article."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Recorder) for _ in range(2)]
        self.servers[1].socket = HostCertificates().context_for("127.0.0.1").wrap_socket(self.servers[1].socket, server_side=True)
        self.port, self.tls_port = (server.server_port for server in self.servers)
        for server in self.servers:
            server.daemon_threads = True
            server.paths = self.paths
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def protected():
    server = _Protected()
    yield server
    server.close()


class _Redirect:
    def __init__(self, location: str) -> None:
        self.location = location

    def serve(self, handler, send_body: bool) -> None:
        _send(handler, 302, b"", "text/html", send_body, {"Location": self.location})


class _Page:
    def __init__(self, html: str) -> None:
        self.body = html.encode()

    def serve(self, handler, send_body: bool) -> None:
        _send(handler, 200, self.body, "text/html; charset=utf-8", send_body)


class _Forward:
    """What a real proxy does with a URL: fetch it from whatever address its host names."""

    def serve(self, handler, send_body: bool) -> None:
        url = urlsplit(handler._url())
        connection = http.client.HTTPConnection(socket.gethostbyname(url.hostname), url.port or 80, timeout=30)
        connection.request("GET", url.path or "/")
        response = connection.getresponse()
        _send(handler, response.status, response.read(), response.getheader("Content-Type", "text/html"), send_body)
        connection.close()


class _RouteSite:
    def __init__(self, protected: _Protected) -> None:
        port = protected.port
        self.routes = {f"/r/{key}": _Redirect(f"http://{host}:{port}/r-{key}") for key, host in LOOPBACK.items()}
        # Scrapy keeps a redirect on its request's proxy, unless the scheme changes: then
        # no_proxy applies again, and this name is connected to directly, after a lookup.
        self.routes["/r/sub"] = _Redirect(f"https://sub.news.example:{protected.tls_port}/r-sub")
        # A followed link is a request like any other; this one redirects too.
        self.routes["/list"] = _Page('<html><body><a href="/2024/01/01/hop.html">hop</a></body></html>')
        self.routes["/2024/01/01/hop.html"] = _Redirect(f"http://2130706433:{port}/2024/01/01/hop.html")

    def find(self, url: str):
        parts = urlsplit(url)
        return self.routes.get(parts.path) if parts.hostname == "news.example" else _Forward()


@pytest.fixture
def route_proxy(protected):
    proxy = FixtureProxy(_RouteSite(protected)).start_in_thread()
    yield proxy
    proxy.shutdown()
    proxy.server_close()


def _crawl(args: list[str], proxy: FixtureProxy | None, tmp_path, *settings: str) -> tuple[list[str], str]:
    out = tmp_path / "out.jsonl"
    env = {**proxy.proxy_env(), "no_proxy": ",".join(LOOPBACK_NAMES), "NO_PROXY": ",".join(LOOPBACK_NAMES)} \
        if proxy else {"no_proxy": "*", "NO_PROXY": "*"}
    result = run_scrapy(["crawl", "generic", *args, "-O", str(out),
                         "-s", "TWISTED_DNS_RESOLVER=tests.loopback_resolver.LoopbackNamesResolver",
                         "-s", "TEST_LOOPBACK_NAMES=" + ",".join(LOOPBACK_NAMES), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", *settings], env_extra=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()], result.stderr


def _stat(stderr: str, key: str) -> int:
    found = re.search(rf"'{re.escape(key)}': (\d+)", stderr)
    return int(found.group(1)) if found else 0


def _direct_urls(port: int) -> list[str]:
    return [f"http://{host}:{port}/{key}" for key, host in LOOPBACK.items()]


def test_given_urls_in_any_private_spelling_are_refused_at_start(protected, tmp_path):
    urls = [*_direct_urls(protected.port), f"http://localhost.:{protected.port}/"]
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls[::2]), "utf-8")
    result = run_scrapy(["crawl", "generic", "-a", "urls=" + ",".join(urls[1::2]), "-a", f"url_file={url_file}",
                         "-O", str(tmp_path / "out.jsonl")], env_extra={"no_proxy": "*", "NO_PROXY": "*"})
    refused = re.search(r"error: generic spider refuses loopback and private addresses: (.*)", result.stderr)
    assert refused, result.stderr[-3000:]
    assert result.returncode == 2 and "Traceback" not in result.stderr  # a usage error, one line
    assert sorted(re.findall(r"'([^']+)'", refused.group(1))) == sorted(urls)
    assert protected.paths == []


def test_the_same_spellings_reach_the_server_when_allowed(protected, tmp_path):
    """Control: with the guard off, every spelling is a way in (`localhost.` aside: this
    system's resolver does not take the final dot; it is refused all the same)."""
    items, _ = _crawl(["-a", "urls=" + ",".join(_direct_urls(protected.port))], None, tmp_path,
                      "-s", "GENERIC_ALLOW_PRIVATE=True")
    assert {f"/{key}" for key in LOOPBACK} <= set(protected.paths)
    assert items  # and emitted as articles (one: the others are exact duplicates of it)


def _push(redis_url: str, port: int) -> list[str]:
    """Public-looking start URLs whose pages redirect or link to the protected server, and two
    that name it directly; returns the public-looking ones."""
    public = [f"http://news.example/r/{key}" for key in [*LOOPBACK, "sub"]] + ["http://news.example/list"]
    client = redis.Redis.from_url(redis_url)
    client.rpush("generic:start_urls", *public, f"http://0x7f000001:{port}/pushed-hex",
                 f"http://intranet.example:{port}/pushed-name")
    client.close()
    return public


def _redis_crawl(redis_url: str, proxy: FixtureProxy, tmp_path, *settings: str) -> tuple[list[str], str]:
    return _crawl([], proxy, tmp_path, "-s", f"REDIS_URL={redis_url}", "-s", "REDIS_IDLE_BEFORE_CLOSE=1", *settings)


def test_pushed_urls_redirects_and_links_never_reach_a_private_address(route_proxy, protected, redis_url, tmp_path):
    public = _push(redis_url, protected.port)
    items, stderr = _redis_crawl(redis_url, route_proxy, tmp_path)
    assert protected.paths == []
    assert items == []
    # The public-looking pages came through the proxy on 127.0.0.1; nothing was forwarded.
    assert set(public) <= set(route_proxy.requested)
    assert {urlsplit(url).hostname for url in route_proxy.requested} == {"news.example"}
    # Each refused: the pushed hex URL by its spelling; and for each other host the page and its
    # robots.txt (the followed link's hop reuses 2130706433's refused robots.txt).
    assert _stat(stderr, "redis/start_urls_refused") == 1
    assert _stat(stderr, "generic/refused/private-address") == 1 + 2 * 6 + 1  # 127.0.0.1 in six spellings
    assert _stat(stderr, "generic/refused/private-name") == 2                 # localhost
    assert _stat(stderr, "generic/refused/resolves-private") == 2 * 2         # sub.news.example, intranet.example
    assert stderr.count("Refused 'sub.news.example'") == 1                    # logged once a host
    assert stderr.count("Refused '0x7f000001'") == 1                          # ... by the spider or the middleware
    assert _stat(stderr, "retry/count") == 0                                  # refused, never retried


def test_pushed_urls_redirects_and_links_reach_it_when_allowed(route_proxy, protected, redis_url, tmp_path):
    _push(redis_url, protected.port)
    items, _ = _redis_crawl(redis_url, route_proxy, tmp_path, "-s", "GENERIC_ALLOW_PRIVATE=True")
    expected = {f"/r-{key}" for key in [*LOOPBACK, "sub"]} | {"/2024/01/01/hop.html", "/pushed-hex", "/pushed-name"}
    assert expected <= set(protected.paths)
    assert items


def test_a_start_url_that_redirects_to_a_name_resolving_private_is_refused(route_proxy, protected, tmp_path):
    urls = ["http://news.example/r/sub", f"http://intranet.example:{protected.port}/direct"]
    _, stderr = _crawl(["-a", "urls=" + ",".join(urls)], route_proxy, tmp_path)
    assert protected.paths == []
    assert "http://news.example/r/sub" in route_proxy.requested
    assert _stat(stderr, "generic/refused/resolves-private") >= 2
    assert _stat(stderr, "retry/count") == 0


def test_without_the_guarded_resolver_every_request_is_refused(route_proxy, tmp_path):
    _, stderr = _crawl(["-a", "urls=http://news.example/list"], route_proxy, tmp_path,
                       "-s", "TWISTED_DNS_RESOLVER=scrapy.resolver.CachingThreadedResolver")
    assert route_proxy.requested == []
    assert _stat(stderr, "generic/refused/unguarded-resolver") >= 1
    assert "Refusing every request: names are not resolved through crawler.safety.GuardedResolver" in stderr
