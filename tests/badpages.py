"""Bad inputs, made from a fixture page: what a crawl of thousands of pages meets."""
from tests.conftest import FIXTURES

ARTICLE = (FIXTURES / "people" / "politics_n1" / "page.html").read_bytes()
LIST_PAGE = (FIXTURES / "people" / "home" / "page.html").read_bytes()
FILLER = ("<p>" + "评论区的留言" * 40 + "</p>").encode("gbk")


def _nested(depth: int) -> bytes:
    return b"<html><head><title>t</title></head><body>" + b"<div>" * depth + b"x" + b"</div>" * depth + b"</body></html>"


# name -> (body, Content-Type header, the NotArticle reasons acceptable; None: an article)
BAD_PAGES = {
    "empty": (b"", "text/html", {"empty"}),
    "png-as-html": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "text/html", {"binary"}),
    "zip-as-html": (b"PK\x03\x04\x14\x00" + bytes(range(256)) * 40, "text/html", {"binary"}),
    "truncated": (ARTICLE[: int(len(ARTICLE) * 0.8)], "text/html; charset=GBK", None),
    "unclosed-and-stray-html": (ARTICLE.replace(b"</h1>", b"</h1></html></body><div><p>").replace(b"</p>", b""),
                                "text/html; charset=GBK", None),
    "20mb": (ARTICLE.replace(b"</body>", FILLER * (20_000_000 // len(FILLER)) + b"</body>"), "text/html", {"too_large"}),
    "nested-100000": (_nested(100_000), "text/html", {"too_deep", "no_article_body", "no_title"}),
    "nulls-and-invalid-utf8": (ARTICLE.replace(b"<p>", b"<p>\x00\xff\xfe\x00", 6), "text/html", None),
    "header-contradicts-meta": (ARTICLE, "text/html; charset=utf-8", None),
    "unknown-meta-charset": (ARTICLE.replace(b"GB2312", b"x-klingon-1"), "text/html", None),
    "200-saying-404": ("<html><head><title>404 页面不存在_人民网</title></head><body><p>抱歉，您访问的页面不存在。"
                       "</p><a href='/'>返回首页</a></body></html>".encode(), "text/html; charset=utf-8", {"error_page"}),
    "javascript-shell": (b"<html><head><title>Loading</title><script src='/app.js'></script></head>"
                         b"<body><div id='root'></div><noscript>enable JavaScript</noscript></body></html>",
                         "text/html", {"no_article_body", "no_title"}),
    "no-title": ("<html><body><div><p>今天的会议讨论了明年的工作安排，与会人员就重点项目的推进交换了意见，"
                 "会议要求各部门按照时间节点抓好落实。</p></div></body></html>".encode(), "text/html", {"no_title"}),
    "list-page-on-article-url": (LIST_PAGE, "text/html; charset=GBK", {"list_page", "no_article_body"}),
}
