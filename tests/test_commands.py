"""The project's scrapy commands: `scrapy extract` and `scrapy offline`."""
import json

from tests.conftest import FIXTURES, fixture_pages, run_scrapy, scrapy_extract


def _lines(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_extract_writes_one_line_per_page(tmp_path):
    article = FIXTURES / "people" / "sc_wangshanping"
    listing = FIXTURES / "people" / "home"
    broken = tmp_path / "binary.html"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 500)
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["extract", str(article / "page.html"), str(listing / "page.html"), str(broken),
                         str(tmp_path / "missing.html"), "-O", str(out)])
    assert result.returncode == 0, result.stderr
    first, second, third, fourth = _lines(out)
    assert first["title"] == json.loads((article / "expected.json").read_text("utf-8"))["title"]
    assert first["extractor"] == "people"  # recognised by its markup: no URL was given
    assert second["not_article"] in {"list_page", "no_article_body"}
    assert third["not_article"] == "binary"
    assert fourth["error"] == "unreadable"


def test_extract_with_url_uses_the_site_profile():
    record, expected = scrapy_extract(FIXTURES / "mianyang" / "bada_xingdong")
    assert record["site"] == "municipal:mianyang"
    assert record["content"] == expected["content"]


def test_offline_crawls_every_fixture_article_once(tmp_path):
    """All spiders share one dedup store: a repost on 网易号, a Traditional mirror and a
    tracking-parameter link of one people.cn article yield it once; articles that only
    share template text or an event are all kept."""
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["offline", "-O", str(out)], timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    metas = [json.loads((f / "meta.json").read_text("utf-8")) for f in fixture_pages("article")]
    originals = {m["url"] for m in metas if not m.get("duplicate_of")}
    copies = {m["url"]: m["duplicate_of"] for m in metas if m.get("duplicate_of")}
    assert copies, "the fixtures hold republished copies"
    urls = [item["url"] for item in _lines(out)]
    assert sorted(urls) == sorted(originals)
    assert set(copies.values()) <= set(urls)


def test_each_project_command_describes_itself_in_its_help():
    """`scrapy <command> -h` gives the command's own description, not one it inherits
    (explain is built on Scrapy's fetch, whose text says it prints the page)."""
    for command in ("explain", "extract", "evaluate", "offline"):
        result = run_scrapy([command, "-h"])
        assert result.returncode == 0, result.stderr
        assert "print its content to stdout" not in result.stdout, command
        assert result.stdout.count("\n") > 5, command
