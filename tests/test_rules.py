"""benchmarks.rules: which profile selectors and noise rules fire on which pages (the fixtures; the corpus only for the two-page check)."""
import importlib.util

import pytest
from lxml import html

from benchmarks.rules import SETS, Rule, measure, noise_rules, page_sets, profile_rules, table
from crawler.evaluation import load_labelled
from crawler.extract.dom import text_of
from crawler.extract.noise import LINE_RULES
from crawler.systems import fallback_only, ours
from tests.conftest import CORPUS, FIXTURES


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    sets = page_sets(tmp_path_factory.mktemp("no-corpus"))  # the corpus stays out of tests
    never = Rule("profile:test", "body", "div.no-page-has-this")
    return {(r.kind, r.key, r.rule): r for r in measure([*profile_rules(), *noise_rules(), never], sets)}, sets


def test_every_rule_is_listed_under_the_file_that_writes_it(measured):
    rules, _ = measured
    assert ("profile:hanweb", "body", "#zoom") in rules and ("profile:gov_standard", "body", "#zoom") in rules
    assert ("profile:people", "markers", "div.rm_txt_con") in rules
    assert {r.name for r in LINE_RULES} <= {rule for kind, key, rule in rules if key == "line"}


def test_counts_name_the_pages_a_rule_fires_on(measured):
    rules, sets = measured
    assert not sets["corpus"] and len(sets["replicas"]) >= 29 and len(sets["labelled"]) >= 100
    selector = rules[("profile:netease", "noise", "div.ep-source")]  # dropped on both 163 money / news pages
    assert selector.pages["replicas"] == {"netease/money_2015", "netease/news_2019"}
    heading = rules[("noise", "line", "recommend-heading")]  # cuts 重点推荐 (163) and a blog's 相关文章 block
    assert heading.pages["replicas"] == {"netease/money_2015", "fallback/blog_article"} and heading.flag() == ""
    iframe = rules[("noise", "element", "iframe")]
    assert iframe.pages["replicas"] == {"netease/money_2015"} and iframe.flag() == "one page"
    assert rules[("profile:test", "body", "div.no-page-has-this")].flag() == "dead"


def test_table_flags_and_names_replicas(measured):
    rules, _ = measured
    text = table(list(rules.values()))
    row = next(line for line in text.splitlines() if "div.no-page-has-this" in line)
    assert row.rstrip().endswith("dead")
    iframe = next(line for line in text.splitlines() if " iframe " in line)
    assert "one page" in iframe and "[replicas: netease/money_2015]" in iframe


def _skins():
    spec = importlib.util.spec_from_file_location("generate", FIXTURES / "labelled" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.SKINS


@pytest.mark.parametrize("system", [ours, fallback_only], ids=["ours", "fallback-only"])
def test_labelled_chrome_inside_the_body_never_reaches_the_content(system):
    """Each labelled skin prints its page chrome inside the article body (the noise
    vocabulary's fixture): every piece of it is dropped, on every page that carries it."""
    pages = [p for p in load_labelled(FIXTURES / "labelled") if p.gold["is_article"]]
    for skin in _skins():
        lines = [text_of(e) for e in html.fragments_fromstring("".join(skin["chrome"])) if not isinstance(e, str)]
        carrying = [p for p in pages if all(part in p.path.read_text("utf-8") for part in skin["chrome"])]
        assert len(carrying) >= 7 and all(lines), skin["name"]
        for page in carrying:
            content = system(page.path.read_bytes(), page.url).body
            assert not [line for line in lines if line in content], page.path.name


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS} (set CORPUS_DIR)")
def test_every_profile_selector_and_noise_rule_fires_on_two_pages_or_more(measured):
    """A selector or noise rule seen on one corpus page only is fitted to that page: it needs a
    replica of its template in fixtures/, or it goes (the generic path reads such pages).
    A noise selector or rule counts where it dropped something, not where it merely matches;
    one that fires on a single page passes only when that page is a replica."""
    on_fixtures, _ = measured
    corpus = measure(profile_rules() + noise_rules(), {**{s: [] for s in SETS}, "corpus": page_sets(CORPUS)["corpus"]})
    pages = {(r.kind, r.key, r.rule): len(r.pages["corpus"]) + sum(map(len, on_fixtures[(r.kind, r.key, r.rule)].pages.values()))
             for r in corpus}
    on_replica = {(r.kind, r.key, r.rule) for r in on_fixtures.values() if r.pages["replicas"]}
    assert not {rule: n for rule, n in pages.items() if n < 2 and not (n == 1 and rule in on_replica)}
