"""The scorer, on small hand-made cases (the rule of ../shared/corpus/README.md)."""
import pytest

from crawler.evaluation import (
    GoldPage, Prediction, body_prf, date_match, format_table, score_page, summarise, title_match, tokens,
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
], ids=["exact", "seconds-ignored", "minute-off", "time-missing", "date-only-gold", "none"])
def test_date_match(predicted, gold, ok):
    assert date_match(predicted, gold) is ok


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
    assert table[0].split() == ["category", "system", "pages", "P", "R", "F1", "title", "date", "lists", "ms/page"]
    assert table[1].split()[:3] == ["people", "ours", "3"] and table[1].split()[7] == "-"
