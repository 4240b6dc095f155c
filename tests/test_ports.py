"""Hosts with ports: profile host matching, and a real `scrapy crawl` of a site on a port."""
import json
import random
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.extract.profiles import Registry, host_of, on_hosts, split_host
from tests.conftest import run_scrapy


def case(id, *values):
    return pytest.param(*values, id=id)


@pytest.mark.parametrize("host,expected", [
    case("bare", "Example.com", ("example.com", None)),
    case("port", "127.0.0.1:8080", ("127.0.0.1", 8080)),
    case("ipv6-port", "[::1]:8000", ("::1", 8000)),
])
def test_split_host(host, expected):
    assert split_host(host) == expected


@pytest.mark.parametrize("host", ["a.com:http", "http://a.com", "a.com/x", "u@a.com", "::1", ""])
def test_split_host_refuses_what_is_not_a_host(host):
    with pytest.raises(ValueError):
        split_host(host)


@pytest.mark.parametrize("url,hosts,expected", [
    case("bare-host-any-port", "http://127.0.0.1:8080/a", ["127.0.0.1"], True),
    case("same-port", "http://127.0.0.1:8080/a", ["127.0.0.1:8080"], True),
    case("other-port", "http://127.0.0.1:8081/a", ["127.0.0.1:8080"], False),
    case("default-port-named", "http://portal.example/a", ["portal.example:80"], True),
    case("https-default-is-443", "https://portal.example/a", ["portal.example:80"], False),
    case("subdomain-with-port", "http://intra.portal.example:8000/", ["portal.example:8000"], True),
    case("ipv6", "http://[::1]:8000/", ["[::1]:8000"], True),
])
def test_on_hosts(url, hosts, expected):
    assert on_hosts(url, hosts) is expected


@pytest.mark.parametrize("url,host", [
    case("no-port", "http://a.com/x", "a.com"),
    case("port", "http://A.com:8000/x", "a.com:8000"),
    case("ipv6", "http://[::1]:8000/", "[::1]:8000"),
])
def test_host_of(url, host):
    assert host_of(url) == host


def test_for_url_matches_ports_most_specific_first(tmp_path):
    for name, hosts in {"any_port": '["127.0.0.1"]', "port_8000": '["127.0.0.1:8000"]'}.items():
        (tmp_path / f"{name}.toml").write_text(f'name = "{name}"\nsite = "test:{name}"\nhosts = {hosts}\n', "utf-8")
    registry = Registry.load(tmp_path)
    assert [p.name for p in registry.for_url("http://127.0.0.1:8000/a")] == ["port_8000", "any_port"]
    assert [p.name for p in registry.for_url("http://127.0.0.1:9000/a")] == ["any_port"]
    assert registry.get("port_8000").serves_host("127.0.0.1", 8000)
    assert not registry.get("port_8000").serves_host("127.0.0.1", 80)


def _article(title: str, seed: int) -> str:
    rng = random.Random(seed)
    chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    paragraphs = "".join("<p>" + "，".join("".join(rng.choices(chars, k=14)) for _ in range(3)) + "。</p>"
                         for _ in range(8))
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<h1>{title}</h1><div class='article'>{paragraphs}</div></body></html>")


@pytest.fixture
def site_on_a_port(tmp_path):
    """A city portal on 127.0.0.1:<port>: a list page linking two articles, and one link to another port."""
    root = tmp_path / "site"
    (root / "art").mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    port = server.server_port
    other = f"http://127.0.0.1:{port + 1}/art/3.html"  # same host, another port: not this site
    (root / "list.html").write_text(f"<html><body><a href='/art/1.html'>一</a><a href='art/2.html'>二</a>"
                                    f"<a href='{other}'>三</a></body></html>", "utf-8")
    (root / "art" / "1.html").write_text(_article("端口测试第一篇文章", 1), "utf-8")
    (root / "art" / "2.html").write_text(_article("端口测试第二篇文章", 2), "utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port, other
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("listed", ["127.0.0.1:{port}", "127.0.0.1"])
def test_municipal_crawl_follows_links_on_a_port(site_on_a_port, tmp_path, listed):
    port, other = site_on_a_port
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "porttest.toml").write_text(f"""
name = "porttest"
site = "municipal:porttest"
hosts = ["{listed.format(port=port)}"]
start_urls = ["http://127.0.0.1:{port}/list.html"]
article_urls = ['/art/\\d+\\.html$']
list_urls = ['/list\\.html$']
[fields]
title = ["h1"]
body = ["div.article"]
""", "utf-8")
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", "municipal", "-a", "site=porttest", "-O", str(out),
                         "-s", f"EXTRACT_PROFILE_DIRS={profiles}", "-s", "ROBOTSTXT_OBEY=False",
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}"],
                        env_extra={"no_proxy": "*", "NO_PROXY": "*"})
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted(i["url"] for i in items) == [f"http://127.0.0.1:{port}/art/{n}.html" for n in (1, 2)]
    assert {i["extractor"] for i in items} == {"porttest"}
    if ":" in listed:
        assert other not in result.stderr  # a profile naming a port stays on it


def test_a_longer_host_name_ranks_above_a_port(tmp_path):
    for name, hosts in {"sub": '["intra.portal.example"]', "port": '["portal.example:8000"]'}.items():
        (tmp_path / f"{name}.toml").write_text(f'name = "{name}"\nsite = "test:{name}"\nhosts = {hosts}\n', "utf-8")
    assert [p.name for p in Registry.load(tmp_path).for_url("http://intra.portal.example:8000/")] == ["sub", "port"]
