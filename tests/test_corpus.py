"""The extractor on the real-page gold corpus (../shared/corpus or $CORPUS_DIR); skipped when absent."""
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import pytest

from crawler.evaluation import load_corpus, rejections, score_page, summarise
from crawler.extract import NotArticle, extract
from crawler.systems import available, fallback_only, timed
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no gold corpus at {CORPUS}")
BASELINE = json.loads((Path(__file__).parent / "eval_baseline.json").read_text("utf-8"))
# Damaged when saved: its reporter credit holds two U+FFFD in the stored bytes (corpus README).
KNOWN_DAMAGED = {"fundus_politics_people_20240424.html"}
TARGET_F1 = {"people": 0.98, "netease": 0.98, "gov": 0.98, "other": 0.97}
FIELD_TARGET = 0.95  # of the pages whose gold shows the field, over the whole corpus
FIELDS = ("title", "date", "source", "author", "editor")


@lru_cache(maxsize=1)
def _pages():
    return load_corpus(CORPUS)


@lru_cache(maxsize=None)
def _scores(system: str):
    run = {**available(), "fallback": fallback_only}[system]
    return [score_page(page, system, timed(run, page.path.read_bytes(), page.url)) for page in _pages()]


def _summary(system: str, category: str):
    return summarise([s for s in _scores(system) if s.page.category == category])


@pytest.mark.parametrize("category", sorted(k for k in BASELINE if not k.startswith("_")))
def test_quality_floor(category):
    summary = _summary("ours", category)
    for measure, floor in BASELINE[category].items():
        assert getattr(summary, measure) >= floor, (category, measure, getattr(summary, measure))


@pytest.mark.parametrize("category", sorted(TARGET_F1))
def test_beats_the_general_purpose_extractors(category):
    ours = _summary("ours", category).f1
    peers = [_summary(name, category).f1 for name in available() if name != "ours"]
    assert len(peers) == 3, "trafilatura, GNE and readability-lxml all run (the test extra installs them)"
    assert ours >= TARGET_F1[category]
    if category == "other":
        assert ours >= max(peers) - 0.005
    else:
        assert ours > max(peers)


def _overall(system: str):
    return summarise(_scores(system))


@pytest.mark.parametrize("measure", FIELDS)
def test_fields_right_on_the_pages_that_show_them(measure):
    assert getattr(_overall("ours"), measure) >= FIELD_TARGET


@pytest.mark.parametrize("measure", FIELDS)
def test_fields_beat_every_peer_that_reports_them(measure):
    ours = getattr(_overall("ours"), measure)
    for name in available():
        peer = _overall(name)
        if name != "ours" and measure not in peer.unreported:
            assert ours > getattr(peer, measure), (name, measure)


# What a site never seen gets, field by field over the corpus: the rates measured when set
# (title 1.000, source 1.000, author 0.966, editor 0.970), a floor a rule change may not lower.
FALLBACK_FIELD_FLOORS = {"title": 1.0, "date": 1.0, "source": 1.0, "author": 0.965, "editor": 0.969}


@pytest.mark.parametrize("measure", FIELDS)
def test_fallback_fields_floor(measure):
    assert getattr(_overall("fallback"), measure) >= FALLBACK_FIELD_FLOORS[measure]


@pytest.mark.parametrize("system", ["ours", "fallback"])
def test_no_invented_editors_or_sources_on_pages_without_one(system):
    """Where gold has no value the page shows none: a value there is read off something
    else (a related item, a widget). A few pages show one the gold leaves out (a column's
    编辑 box, an unshown meta author); more than that is a rule misfiring."""
    invented = [(s.page.path.name, name) for s in _scores(system) if s.body is not None
                for name in ("source", "author", "editor")
                if not s.page.gold.get(name) and getattr(s.prediction, name)]
    assert len(invented) <= 5, invented


@pytest.mark.parametrize("category", sorted(TARGET_F1))
def test_fallback_alone_beats_readability(category):
    """Every page as if no profile existed: what a site never seen gets."""
    assert _summary("fallback", category).f1 >= _summary("readability", category).f1


def test_fallback_alone_overall():
    assert summarise(_scores("fallback")).f1 >= 0.95


@pytest.mark.parametrize("system", ["ours", "fallback"])
def test_not_an_article_precision_and_recall(system):
    result = rejections(_scores(system))
    assert (result.rejected_articles, result.missed_lists) == ((), ())


def test_no_replacement_characters_or_crashes():
    for page in _pages():
        try:
            record = asdict(extract(page.path.read_bytes(), page.url))
        except NotArticle:
            assert not page.gold["is_article"], page.path.name
            continue
        if page.path.name in KNOWN_DAMAGED:
            continue
        text = json.dumps(record, ensure_ascii=False)
        assert "\ufffd" not in text, page.path.name


def test_article_paragraphs_survive_the_noise_rules():
    """Gold paragraphs that look like noise (来源, 编辑, 分享 mid-sentence) must all be kept."""
    for score in _scores("ours"):
        if score.body is not None:
            assert score.body.recall >= 0.97, (score.page.path.name, score.body.recall)


def test_source_is_never_reported_as_author():
    for page in _pages():
        if not page.gold["is_article"]:
            continue
        article = extract(page.path.read_bytes(), page.url)
        if article.author and article.source:
            assert article.author != article.source, page.path.name
