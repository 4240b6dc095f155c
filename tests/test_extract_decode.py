"""crawler.extract.decode: bytes to text the way Chinese sites actually serve them."""
import codecs

import pytest

from crawler.extract.decode import UndecodableError, declared_charset, decode_html, looks_binary


def case(id, *values):
    return pytest.param(*values, id=id)


def page(head: str, text: str) -> str:
    return f"<html><head>{head}</head><body><p>{text}</p></body></html>"


GB2312_META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


@pytest.mark.parametrize("body,content_type,text,encoding", [
    # Valid UTF-8 wins over a (lying) gb2312 declaration.
    case("utf8-under-gb2312-meta", page(GB2312_META, "中文新闻内容").encode("utf-8"), None, "中文新闻内容", "utf-8"),
    case("utf8-under-gbk-header", page("", "中文新闻内容").encode("utf-8"), "text/html; charset=gbk",
         "中文新闻内容", "utf-8"),
    # gb2312 pages use GBK-only characters: read as GB18030.
    case("gbk-only-char-rong", page(GB2312_META, "朱镕基").encode("gbk"), None, "朱镕基", "gb18030"),
    case("gbk-middle-dot", page('<meta charset="gb2312">', "中国证券报·中证网").encode("gbk"), None,
         "中国证券报·中证网", "gb18030"),
    case("gb18030-declared", page('<meta charset="GB18030">', "改革发展").encode("gb18030"), None,
         "改革发展", "gb18030"),
    case("big5-meta", page('<meta charset="big5">', "產業發展與臺灣").encode("big5"), None,
         "產業發展與臺灣", "big5hkscs"),
    case("big5-header-only", page("", "中文").encode("big5"), "text/html; charset=big5", "中文", "big5hkscs"),
    case("gbk-header-only", page("", "朱镕基").encode("gbk"), "text/html; charset=GBK", "朱镕基", "gb18030"),
    case("unknown-meta-charset", page('<meta charset="x-unknown-enc">', "中文").encode("gbk"), None,
         "中文", "gb18030"),
    case("utf8-bom", codecs.BOM_UTF8 + page('<meta charset="gbk">', "中文").encode("utf-8"), None,
         "中文", "utf-8-sig"),
    case("utf16-bom", page("", "中文").encode("utf-16"), None, "中文", "utf-16"),
    case("ascii-only", b"<p>plain</p>", "text/html; charset=gbk", "plain", "utf-8"),
    case("damaged-gbk-tail", page(GB2312_META, "中文").encode("gbk") + b"\xff\xfe\x81", None, "中文", "gb18030"),
])
def test_decode_html(body, content_type, text, encoding):
    decoded, used = decode_html(body, content_type)
    assert used == encoding
    assert text in decoded
    assert not decoded.startswith("\ufeff")


@pytest.mark.parametrize("body", [
    case("png-header-and-zeros", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
    case("zip-with-controls", b"PK\x03\x04" + bytes(range(32)) * 20),
])
def test_decode_html_binary_raises(body):
    assert looks_binary(body)
    with pytest.raises(UndecodableError):
        decode_html(body)


@pytest.mark.parametrize("body,content_type,expected", [
    case("meta-gb2312", b'<meta charset="GB2312">', None, "gb18030"),
    case("meta-utf8", b"<meta charset=utf-8>", None, "utf-8"),
    case("meta-big5", b"<meta charset=big5>", None, "big5hkscs"),
    case("http-equiv", b'<META HTTP-EQUIV=Content-Type CONTENT="text/html; charset=windows-1252">', None, "cp1252"),
    case("header-when-no-meta", b"<p>", "text/html; charset=GBK", "gb18030"),
    case("meta-beats-header", b"<meta charset=big5>", "text/html; charset=utf-8", "big5hkscs"),
    case("unknown-meta-falls-to-header", b'<meta charset="bogus">', "text/html; charset=utf-8", "utf-8"),
    case("header-without-charset", b"<p>", "text/html", None),
    case("nothing-declared", b"<p>", None, None),
])
def test_declared_charset(body, content_type, expected):
    assert declared_charset(body, content_type) == expected


@pytest.mark.parametrize("body,expected", [
    case("empty", b"", False),
    case("html", b"<html>hello</html>", False),
    case("gbk-text", "中文".encode("gbk") * 100, False),
    case("tabs-and-newlines", b"<p>\tline\r\n</p>" * 50, False),
    case("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, True),
    case("a-few-nul-in-tiny-body", b"a\x00b\x00c\x00", True),
])
def test_looks_binary(body, expected):
    assert looks_binary(body) is expected
