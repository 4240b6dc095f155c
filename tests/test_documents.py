"""Government pages as documents: 附件 links, the 政府信息公开 block, attachments fetched
by Scrapy's FilesPipeline in a real `scrapy crawl` through the fixture proxy."""
import hashlib
import json

from crawler.extract import attachments, disclosure, extract
from crawler.extract.page import Page

from tests.conftest import FIXTURES, run_scrapy, scrapy_extract

SENLIN = FIXTURES / "ziyang" / "senlin_fanghuo"


def _page(markup: str) -> Page:
    return Page.load(markup.encode("utf-8"), "http://g.cn/a/b.html")


def test_attachment_blocks_are_found_by_class_and_by_label_not_in_navigation():
    markup = """<html><body>
      <div class="nav"><a href="/guide.pdf">办事指南.pdf</a></div>
      <div id="zoom"><p>正文 <a href="/a/notice.pdf">通知全文</a> <a href="/other.html">相关页面</a></p></div>
      <p><span>附件：</span><a href="/f/1.docx">方案</a> <a href="/f/2">审批表.xlsx</a></p>
      <div class="fujian"><a href="/f/3.ofd">版式文件</a><a href="javascript:void(0)">x.pdf</a></div>
      <footer><a href="/f/4.pdf">隐私政策.pdf</a></footer>
    </body></html>"""
    page = _page(markup)
    body = attachments.in_body(page.root.get_element_by_id("zoom"), page.url)
    blocks = attachments.in_blocks(page, ())
    assert body == [{"url": "http://g.cn/a/notice.pdf", "name": "通知全文", "type": "pdf"}]
    assert [(a["url"], a["type"]) for a in blocks] == [
        ("http://g.cn/f/1.docx", "docx"), ("http://g.cn/f/2", "xlsx"), ("http://g.cn/f/3.ofd", "ofd")]


def test_disclosure_pairs_in_tables_lists_and_one_line():
    table = _page("""<table><tr><td>索 &nbsp;引 号：</td><td>000000-2024-001</td><td>分&nbsp;类：</td><td>通知</td></tr>
      <tr><td>发文机关：</td><td>某市人民政府办公室</td><td>成文日期：</td><td>2024年03月05日</td></tr>
      <tr><td>发文字号：</td><td>某府办发〔2024〕3号</td><td>有 效 性：</td><td>有效</td></tr></table>""")
    assert disclosure.read(table) == {
        "index_number": "000000-2024-001", "topic": "通知", "issuer": "某市人民政府办公室",
        "written_at": "2024-03-05", "document_number": "某府办发〔2024〕3号", "valid": "有效"}
    listed = _page("<ul><li><span>主题分类：</span>城乡建设</li><li><span>发布机构：</span>市住建局</li></ul>")
    assert disclosure.read(listed) == {"topic": "城乡建设", "issuer": "市住建局"}
    line = _page("<div><p>索引号：ABC/2024-9 文号：某发〔2024〕1号</p><p>本文提到文号：不是标签的一段正文很长很长。</p></div>")
    assert disclosure.read(line) == {"index_number": "ABC/2024-9", "document_number": "某发〔2024〕1号"}


def test_a_page_without_the_block_has_no_document_fields():
    assert disclosure.read(_page("<div><p>会议指出，要加强分类指导。</p></div>")) == {}


def test_fixture_attachments_and_document_come_through_extract():
    meta = json.loads((SENLIN / "meta.json").read_text("utf-8"))
    article = extract((SENLIN / "page.html").read_bytes(), meta["url"])
    assert [a["url"] for a in article.attachments] == list(meta["files"])
    assert "附件" not in article.content


def test_crawl_with_files_store_fetches_each_attachment(fixture_proxy, tmp_path):
    out, store = tmp_path / "out.jsonl", tmp_path / "files"
    result = run_scrapy(["crawl", "municipal", "-a", "site=ziyang", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", "-s", f"FILES_STORE={store}"],
                        env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    items = {i["url"]: i for i in map(json.loads, out.read_text("utf-8").splitlines())}
    meta = json.loads((SENLIN / "meta.json").read_text("utf-8"))
    fetched = items[meta["url"]]["attachments"]
    assert [a["url"] for a in fetched] == list(meta["files"])
    for attachment, name in zip(fetched, meta["files"].values()):
        served = (SENLIN / name).read_bytes()
        assert (store / attachment["path"]).read_bytes() == served
        assert attachment["checksum"] == hashlib.md5(served).hexdigest()
    assert "'file_count': 2" in result.stderr
    assert all(not i["attachments"] for u, i in items.items() if u != meta["url"])


def test_without_files_store_attachments_are_listed_not_fetched(fixture_proxy, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", "municipal", "-a", "site=ziyang", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}"], env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    senlin = [i for i in map(json.loads, out.read_text("utf-8").splitlines()) if i["attachments"]]
    assert len(senlin) == 1 and all(set(a) == {"url", "name", "type"} for a in senlin[0]["attachments"])
    assert "file_count" not in result.stderr and "Disabled crawler.pipelines" not in result.stderr


def test_generic_crawl_of_government_pages_reads_documents_and_fetches_attachments(fixture_proxy, tmp_path):
    gov = {json.loads((f / "meta.json").read_text("utf-8"))["url"]: f for f in sorted((FIXTURES / "gov").iterdir())}
    out, store = tmp_path / "out.jsonl", tmp_path / "files"
    result = run_scrapy(["crawl", "generic", "-a", "urls=" + ",".join(gov), "-O", str(out),
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}",
                         "-s", f"FILES_STORE={store}"], env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    items = {i["url"]: i for i in map(json.loads, out.read_text("utf-8").splitlines())}
    for url, folder in gov.items():
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta["kind"] != "article":
            assert url not in items
            continue
        expected = json.loads((folder / "expected.json").read_text("utf-8"))
        assert items[url]["document"] == expected["document"] and items[url]["document"]
        assert [a["url"] for a in items[url]["attachments"]] == [a["url"] for a in expected["attachments"]]
        for attachment in items[url]["attachments"]:
            if attachment["url"] in meta.get("files", {}):  # served: fetched and stored
                assert (store / attachment["path"]).read_bytes() == (folder / meta["files"][attachment["url"]]).read_bytes()
            else:  # the proxy answers 404: listed, not stored, counted
                assert "path" not in attachment
    assert "'files/attachment_failed': 2" in result.stderr  # hanweb's and plain_notice's documents are not served


def test_scrapy_extract_shows_attachments_and_document():
    record, expected = scrapy_extract(FIXTURES / "gov" / "trs_notice")
    assert (record["attachments"], record["document"]) == (expected["attachments"], expected["document"])
    assert (record["pages"], record["pages_missing"]) == (1, [])
