"""crawler.extract.chinese: pinyin glosses of mirror pages, Traditional → Simplified."""
import pytest

from crawler.extract.chinese import has_traditional, strip_pinyin_glosses, to_simplified


def case(id, *values):
    return pytest.param(*values, id=id)


@pytest.mark.parametrize("text,expected,count", [
    case("ascii-parens", "產業(yè)發展", "產業發展", 1),
    case("full-width-parens", "產業（yè）", "產業", 1),
    case("qu", "地區(qū)", "地區", 1),
    case("spaces-inside", "產業( yè )", "產業", 1),
    case("u-umlaut", "地区(lü)", "地区", 1),
    case("two-glosses", "中(zhōng)国(guó)", "中国", 2),
])
def test_pinyin_gloss_removed(text, expected, count):
    assert strip_pinyin_glosses(text) == (expected, count)


@pytest.mark.parametrize("text", [
    case("hanzi-in-parens", "市(區)"),
    case("year", "今年(2024)"),
    case("english-word", "手机(app)"),
    case("reporter-credit", "（记者 张三）"),
    case("proper-name", "据(Reuters)报道"),
    case("abbreviation-expanded", "CEO(首席执行官)"),
    case("not-after-hanzi", "abc(yè)"),
    pytest.param("宝可梦(Pokémon)", id="accented-foreign-word"),
])
def test_real_parentheses_untouched(text):
    assert strip_pinyin_glosses(text) == (text, 0)


@pytest.mark.parametrize("text,expected", [
    case("industry", "產業發展", "产业发展"),
    case("taiwan", "臺灣", "台湾"),
    case("mixed", "今年產業增長5%", "今年产业增长5%"),
])
def test_to_simplified(text, expected):
    assert has_traditional(text)
    assert to_simplified(text) == expected


@pytest.mark.parametrize("text", [
    case("simplified", "产业发展"),
    case("ascii", "abc 123"),
    case("empty", ""),
])
def test_simplified_text_unchanged(text):
    assert not has_traditional(text)
    assert to_simplified(text) == text
