"""crawler.extract.dates: Chinese date forms and article-URL dates to ISO 8601 (+08:00)."""
import pytest

from crawler.extract.dates import date_from_url, parse_date

PARSE_CASES = [
    # Chinese 年月日 with a time.
    ("2024年03月09日17:41", "2024-03-09T17:41:00+08:00"),
    ("2024年3月9日 17:41:05", "2024-03-09T17:41:05+08:00"),
    ("2024年3月9日 17：41", "2024-03-09T17:41:00+08:00"),
    ("2024年03月09日 17:41 来源：人民网-人民日报", "2024-03-09T17:41:00+08:00"),
    # Dashed / slashed with a time.
    ("2024-03-09 17:41:05", "2024-03-09T17:41:05+08:00"),
    ("2024/3/9 9:05", "2024-03-09T09:05:00+08:00"),
    ("发稿时间:2020-07-30 08:43", "2020-07-30T08:43:00+08:00"),
    ("发布时间：2024-03-09 17:41 来源：新华社", "2024-03-09T17:41:00+08:00"),
    # Date only: no time is invented.
    ("時間:2024-09-30", "2024-09-30"),
    ("2024年3月9日", "2024-03-09"),
    ("2024.03.09", "2024-03-09"),
    ("2024-3-9", "2024-03-09"),
    ("发布时间：2024-03-09 来源：人民网", "2024-03-09"),
    # Machine-readable times are converted to China time.
    ("2024-03-09T09:41:00Z", "2024-03-09T17:41:00+08:00"),
    ("2024-03-09T09:41:00+00:00", "2024-03-09T17:41:00+08:00"),
    ("2024-03-09T17:41:00+08:00", "2024-03-09T17:41:00+08:00"),
    ("2024-03-09T17:41:00+0800", "2024-03-09T17:41:00+08:00"),
    ("2024-03-09T23:30:00Z", "2024-03-10T07:30:00+08:00"),
    ("2024-03-09T12:00:00-05:00", "2024-03-10T01:00:00+08:00"),
    ("2024-03-09 17:41:05.123+08:00", "2024-03-09T17:41:05+08:00"),
]


@pytest.mark.parametrize("text,expected", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


SKIPPED_CASES = [
    # An impossible date is skipped and the next valid one is taken.
    ("2024-02-30 10:00 2024-03-01 11:00", "2024-03-01T11:00:00+08:00"),
    ("2024年02月30日 2024年03月01日", "2024-03-01"),
    # An impossible time falls back to the date alone.
    ("2024-03-09 25:00", "2024-03-09"),
    # A date with a time beats an earlier bare date.
    ("2024-03-01 更新于 2024-03-05 10:00", "2024-03-05T10:00:00+08:00"),
]


@pytest.mark.parametrize("text,expected", SKIPPED_CASES, ids=[c[0] for c in SKIPPED_CASES])
def test_parse_date_skips_invalid_and_prefers_times(text, expected):
    assert parse_date(text) == expected


NO_DATE = [
    None,
    "",
    "no date here",
    "2024-02-30",          # no such day
    "2024-13-01",          # no such month
    "1899-01-01",          # years outside 19xx / 20xx
    "2124-01-01",
    "3024年03月09日",
    "2024-03-091",         # digits run on
    "19-09-07 09:41",      # two-digit years only in 163 URLs
]


@pytest.mark.parametrize("text", NO_DATE, ids=[repr(t) for t in NO_DATE])
def test_parse_date_none(text):
    assert parse_date(text) is None


URL_CASES = [
    ("people-n1", "http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html", "2024-05-10"),
    ("people-n2", "http://sc.people.com.cn/n2/2024/0309/c345509-40769110.html", "2024-03-09"),
    ("163-short-year", "https://news.163.com/19/0907/09/EOFBHDHQ0001899N.html", "2019-09-07"),
    ("trs-t-prefix", "http://www.gov.cn/xxgk/t20220211_123.html", "2022-02-11"),
    ("hanweb-art", "http://fgw.zj.gov.cn/art/2016/11/22/art_1_2.html", "2016-11-22"),
    ("year-month-dir", "http://news.xinhuanet.com/2005-08/16/content_1.htm", "2005-08-16"),
    ("yyyymmdd-dir", "http://www.example.com/a/20240509/1.html", "2024-05-09"),
]


@pytest.mark.parametrize("url,expected", [c[1:] for c in URL_CASES], ids=[c[0] for c in URL_CASES])
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected


URL_NO_DATE = [
    ("no-digits", "http://www.example.com/a/b.html"),
    ("163-dy-article", "https://www.163.com/dy/article/J22CN60P0514R9KQ.html"),
    ("month-13", "http://www.example.com/2024/1399/a.html"),
    ("feb-30", "http://www.example.com/2024/0230/x.html"),
    ("pccms-long-id", "http://www.ziyang.gov.cn/zysrmzf/xxgkgsgg/pc/content/content_2068898430624374784.html"),
]


@pytest.mark.parametrize("url", [c[1] for c in URL_NO_DATE], ids=[c[0] for c in URL_NO_DATE])
def test_date_from_url_none(url):
    assert date_from_url(url) is None
