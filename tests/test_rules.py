"""benchmarks.rules: which profile selectors and noise rules fire on which pages (fixtures only here)."""

import pytest

from benchmarks.rules import Rule, measure, noise_rules, page_sets, profile_rules, table
from crawler.extract.noise import LINE_RULES


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
