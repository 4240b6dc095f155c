"""The scorer, on small hand-made cases (the rule of ../shared/corpus/README.md)."""
import json

import pytest

from crawler.evaluation import (
    GoldPage, Prediction, body_prf, date_match, format_table, name_set, names_match, score_page, source_match,
    summarise, title_match, tokens,
)


@pytest.mark.parametrize("text,expected", [
    ("新华社北京", {"新": 1, "华": 1, "社": 1, "北": 1, "京": 1}),
    ("iPhone 11售5499元", {"iPhone": 1, "11": 1, "售": 1, "5499": 1, "元": 1}),
    ("，。！“”  \n", {}),
    ("產業", {"产": 1, "业": 1}),  # Traditional folded to Simplified first
], ids=["cjk-chars", "latin-and-digit-runs", "punctuation-ignored", "traditional-folded"])
def test_tokens(text, expected):
    assert dict(tokens(text)) == expected


@pytest.mark.parametrize("predicted,gold,p,r", [
    ("甲乙丙丁", "甲乙丙丁", 1.0, 1.0),
    ("甲乙丙丁戊己庚辛", "甲乙丙丁", 0.5, 1.0),
    ("甲乙", "甲乙丙丁", 1.0, 0.5),
    ("甲甲", "甲", 0.5, 1.0),  # a bag: repeated noise costs precision
    ("", "甲乙", 0.0, 0.0),
], ids=["exact", "extra-noise", "missing-half", "bag-counts", "empty-prediction"])
def test_body_prf(predicted, gold, p, r):
    score = body_prf(predicted, gold)
    assert (score.precision, score.recall) == pytest.approx((p, r))
    assert score.f1 == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)


def test_title_match_ignores_punctuation_and_script():
    assert title_match("王善平代表：加快布局", "王善平代表:加快布局")
    assert title_match("產業發展", "产业发展")
    assert not title_match("王善平代表：加快布局--人民网", "王善平代表：加快布局")


@pytest.mark.parametrize("predicted,gold,ok", [
    ("2024-05-10T06:58:00+08:00", "2024-05-10T06:58:00+08:00", True),
    ("2024-05-10T06:58:59+08:00", "2024-05-10T06:58:00+08:00", True),   # to the minute
    ("2024-05-10T06:59:00+08:00", "2024-05-10T06:58:00+08:00", False),
    ("2024-05-10", "2024-05-10T06:58:00+08:00", False),                  # gold has a time
    ("2024-05-10T06:58:00+08:00", "2024-05-10", True),                   # gold has only a date
    (None, "2024-05-10", False),
    ("2024-05-10T00:58:00Z", "2024-05-10T08:58:00+08:00", True),           # the same instant in UTC
    ("2024-05-10T08:58:00+00:00", "2024-05-10T08:58:00+08:00", False),     # the wrong offset
    ("2024-05-10T08:58:00", "2024-05-10T08:58:00+08:00", True),            # naive: the page's clock
    ("2024-05-09T23:30:00Z", "2024-05-10", True),                          # the date in China
    ("10 May 2024", "2024-05-10", False),                                  # not ISO 8601
], ids=["exact", "seconds-ignored", "minute-off", "time-missing", "date-only-gold", "none",
        "utc", "wrong-offset", "naive-is-china-time", "utc-date", "not-iso"])
def test_date_match(predicted, gold, ok):
    assert date_match(predicted, gold) is ok


@pytest.mark.parametrize("predicted,gold,ok", [
    ("林小川、苏禾", "林小川、苏禾", True),
    ("苏禾 林小川", "林小川、苏禾", True),            # a set: order and separator do not count
    ("林小川,苏禾", "林小川 苏禾", True),
    ("林小川", "林小川、苏禾", False),                # one name missing
    ("林小川、苏禾、周一", "林小川、苏禾", False),     # one too many
    ("苏禾_NN5678", "苏禾", True),                   # a CMS code glued on is not the name
    ("苏禾", "苏禾 PX101", True),
    ("NF041", "NF041", True),                       # a bare code is all the page shows
    ("蘇禾", "苏禾", True),                          # Traditional folded
    (None, "苏禾", False),
], ids=["same", "order", "separators", "missing", "extra", "code-suffix", "code-token", "bare-code",
        "traditional", "none"])
def test_names_match(predicted, gold, ok):
    assert names_match(predicted, gold) is ok


def test_name_set():
    assert name_set("甲乙、丙丁&戊己") == {"甲乙", "丙丁", "戊己"}


@pytest.mark.parametrize("predicted,gold,ok", [
    ("人民网－人民日报", "人民网-人民日报", True),
    ("中证网(北京)", "中证网（北京）", True),
    ("人民日报2024-05-13", "人民日报", False),
    (None, "人民日报", False),
], ids=["dash-forms", "bracket-forms", "date-glued", "none"])
def test_source_match(predicted, gold, ok):
    assert source_match(predicted, gold) is ok


def _page(is_article=True, **gold):
    record = {"is_article": is_article, "title": "标题", "published_at": None, "body": "正文内容", **gold}
    return GoldPage(None, "people", "http://unknown.invalid/x.html", record)


def test_list_page_scores_one_only_when_rejected():
    assert score_page(_page(False), "x", Prediction(False)).list_ok is True
    assert score_page(_page(False), "x", Prediction(True, "t", None, "b")).list_ok is False


def test_rejected_article_scores_zero():
    score = score_page(_page(published_at="2024-05-10"), "x", Prediction(False))
    assert score.body.f1 == 0.0 and score.title_ok is False and score.date_ok is False


def test_summary_and_table():
    scores = [
        score_page(_page(), "ours", Prediction(True, "标题", None, "正文内容", seconds=0.002)),
        score_page(_page(), "ours", Prediction(True, "别的", None, "正文", seconds=0.004)),
        score_page(_page(False), "ours", Prediction(False, seconds=0.001)),
    ]
    summary = summarise(scores)
    assert summary.f1 == pytest.approx((1.0 + 2 * 1.0 * 0.5 / 1.5) / 2)
    assert summary.title == 0.5 and summary.lists == 1.0 and summary.date is None
    assert summary.ms_per_page == pytest.approx(7 / 3)
    table = format_table([("people", "ours", summary)]).splitlines()
    assert table[0].split() == ["category", "system", "pages", "P", "R", "F1", "title", "date", "source", "author",
                                "editor", "lists", "ms/page"]
    assert table[1].split()[:3] == ["people", "ours", "3"] and table[1].split()[7] == "-"


def test_fields_score_only_pages_whose_gold_shows_them():
    shown = _page(source="新华社", author="林小川、苏禾", editor=None)
    score = score_page(shown, "x", Prediction(True, "标题", None, "正文内容", source="新华社", author="苏禾 林小川",
                                              editor="周一"))
    assert score.fields == {"title": True, "published_at": None, "source": True, "author": True, "editor": None}
    assert score_page(shown, "x", Prediction(False)).fields["author"] is False


def test_a_field_the_system_never_reports_is_na_not_a_miss():
    gold = _page(published_at="2024-05-10", source="新华社", author="苏禾")
    title_only = frozenset({"title"})
    scores = [score_page(gold, "peer", Prediction(True, "标题", None, "正文内容", reports=title_only)),
              score_page(gold, "peer", Prediction(False, reports=title_only))]
    assert all(s.fields["author"] is None for s in scores)
    summary = summarise(scores)
    assert summary.title == 0.5 and summary.unreported == ("date", "source", "author", "editor")
    row = format_table([("people", "peer", summary)]).splitlines()[1].split()
    assert row[6:11] == ["0.500", "n/a", "n/a", "n/a", "n/a"]
    assert summary.as_dict()["author"] == "n/a" and summary.as_dict()["title"] == 0.5


PEER_PAGE = """<html><head><meta charset="utf-8"><title>市里新开一座图书馆_某某网</title>
<meta property="article:published_time" content="2024-05-10T08:31:00+08:00"></head><body>
<h1>市里新开一座图书馆</h1><div class="info">发布时间：2024-05-10 08:31 作者：林小川</div>
<div class="content"><p>市图书馆新馆今天开放，藏书一百万册，市民可以凭身份证免费借阅，馆内设有少儿阅览区和自习区。</p>
<p>新馆位于城市中心，周边有多条公交线路经过，开放时间为每天上午九点到晚上九点，节假日照常开放。</p>
<p>图书馆负责人表示，今后还将举办读书会和讲座，欢迎市民参加，让更多人爱上阅读，共建书香城市。</p></div>
</body></html>""".encode()


@pytest.mark.parametrize("name", ["trafilatura", "gne"])
def test_peers_run_with_their_best_time_settings(name):
    """trafilatura asked for the time of day (its default is a bare date); GNE's printed
    time read into ISO 8601: each peer is scored on what it found, not on its format."""
    pytest.importorskip(name)
    from crawler.systems import available

    prediction = available()[name](PEER_PAGE, "http://example.invalid/a.html")
    assert prediction.is_article and "图书馆" in prediction.title
    assert date_match(prediction.published_at, "2024-05-10T08:31:00+08:00"), prediction.published_at
    assert prediction.reports == {"title", "published_at", "author"}


def test_scrapy_evaluate_prints_and_writes_every_field(tmp_path):
    """`scrapy evaluate` on a two-page corpus built from our own fixtures, in the corpus's
    gold format: the table, --pages and --json all carry the fields, n/a where a system
    has none."""
    from tests.conftest import FIXTURES, run_scrapy

    for name in ("netease/news_2019", "people/sc_wangshanping"):
        folder = FIXTURES / name
        expected = json.loads((folder / "expected.json").read_text("utf-8"))
        category, slug = name.split("/")
        (tmp_path / category).mkdir()
        (tmp_path / category / f"{slug}.html").write_bytes((folder / "page.html").read_bytes())
        gold = {"url": expected["url"], "category": category, "is_article": True, "body": expected["content"],
                **{k: expected[k] for k in ("title", "published_at", "source", "author", "editor")}}
        (tmp_path / category / f"{slug}.gold.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    out = tmp_path / "summary.json"
    result = run_scrapy(["evaluate", str(tmp_path), "--systems", "ours,readability", "--pages", "--json", str(out)])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["netease/news_2019", "ours"] and "author=ok" in lines[0]
    assert "author=n/a" in lines[1]  # readability has no author
    overall = next(line.split() for line in lines if line.startswith("overall") and " ours " in line)
    assert overall[6:11] == ["1.000"] * 5  # every field right on our own fixtures
    summary = json.loads(out.read_text("utf-8"))
    assert summary["overall"]["readability"]["author"] == "n/a" and summary["overall"]["ours"]["editor"] == 1.0
