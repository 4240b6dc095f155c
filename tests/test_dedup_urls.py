import pytest

from crawler.dedup.urls import url_key


@pytest.mark.parametrize("a,b", [
    ("https://www.163.com/dy/article/J22CN60P0514R9KQ.html?spm=1.2.3", "http://www.163.com/dy/article/J22CN60P0514R9KQ.html"),
    ("https://news.163.com/20/0229/18/F6ISIFBD0001899O.html?clickfrom=w_yw", "https://news.163.com/20/0229/18/F6ISIFBD0001899O.html"),
    ("https://www.163.com/dy/article/G33O1QTA05372UZS.html?f=post2020_dy_recommends", "https://www.163.com/dy/article/G33O1QTA05372UZS.html"),
    ("https://m.163.com/dy/article/J22CN60P0514R9KQ.html", "https://www.163.com/dy/article/J22CN60P0514R9KQ.html"),
    ("http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html#comments", "http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html"),
    ("http://x.cn/a.html?utm_source=wx&id=7", "http://X.CN/a.html?id=7"),
    ("http://x.cn/a.html?b=2&a=1", "http://x.cn/a.html?a=1&b=2"),
], ids=["spm-and-scheme", "clickfrom", "f-param", "mobile-host", "fragment", "utm-and-host-case", "query-order"])
def test_variants_share_a_key(a, b):
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize("a,b", [
    ("http://x.cn/a.html?id=7", "http://x.cn/a.html?id=8"),
    ("http://news.163.com/a.html", "http://money.163.com/a.html"),
    ("http://x.cn:8080/a.html", "http://x.cn/a.html"),
], ids=["content-param", "other-host", "other-port"])
def test_different_pages_keep_different_keys(a, b):
    assert url_key(a) != url_key(b)
