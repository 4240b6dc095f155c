"""crawler.extract.bylines: 来源 / 作者 / 编辑 values out of Chinese info lines."""
import pytest

from crawler.extract.bylines import (
    BYLINE_LINE,
    author_from,
    author_of_element,
    byline_author,
    closing_credit_author,
    editor_from,
    source_from,
    source_label,
)

SOURCE_CASES = [
    ("plain", "来源：新华社", "新华社"),
    ("ascii-colon", "来源: 川越海峡 四川 举报", "川越海峡"),
    ("city-bracket-kept", "来源：中国证券报·中证网(北京)", "中国证券报·中证网(北京)"),
    ("hyphenated", "来源：人民网-人民日报", "人民网-人民日报"),
    ("wrapped-line", "（来源：新华社）", "新华社"),
    ("author-after-two-spaces", "来源：新华社  作者：张三", "新华社"),
    ("editor-after-space", "来源：新华社 编辑：张三", "新华社"),
    ("pipe-separated", "本文来源：澎湃新闻|编辑：李四", "澎湃新闻"),
    ("after-date", "2024-03-09 来源：人民网", "人民网"),
    ("after-author", "来源：人民网 作者：张三", "人民网"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in SOURCE_CASES], ids=[c[0] for c in SOURCE_CASES])
def test_source_label(text, expected):
    assert source_label(text) == expected
    assert source_from(text) == expected


BARE_SOURCE_CASES = [
    ("bare-name", "新华社", "新华社"),
    ("bare-with-spaces", "  人民网  ", "人民网"),
    ("author-label-is-not-a-source", "作者：张三", None),
    ("long-sentence", "这是一个非常非常非常非常非常非常非常非常长的句子，里面没有来源标签", None),
    ("none", None, None),
    ("empty", "", None),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in BARE_SOURCE_CASES], ids=[c[0] for c in BARE_SOURCE_CASES])
def test_source_from_bare_text(text, expected):
    assert source_from(text) == expected
    assert source_label(text) is None


AUTHOR_CASES = [
    ("padded-names", "本报记者  王乐文  方  敏", "王乐文、方敏"),
    ("labelled", "作者：张三", "张三"),
    ("labelled-then-source", "作者：张三 来源：新华社", "张三"),
    ("reporter-label", "记者：李四 王五", "李四、王五"),
    ("source-then-author", "来源：人民网 作者：张三", "张三"),
    ("wen-label", "文：张三", "张三"),
    ("outlet-reporter", "新京报记者 张文倩 邓琦", "张文倩、邓琦"),
    ("correspondent", "通讯员 李四", "李四"),
    ("credit-words-dropped", "本报记者 王乐文 方敏 文/图", "王乐文、方敏"),
    ("enumeration-comma", "记者 张三、李四", "张三、李四"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in AUTHOR_CASES], ids=[c[0] for c in AUTHOR_CASES])
def test_author_from(text, expected):
    assert author_from(text) == expected


NOT_AUTHOR = [
    ("source-line", "来源：新华社"),
    ("source-names-a-reporter", "来源：记者 张三"),
    ("source-with-region", "来源: 川越海峡 四川 举报"),
    ("editor-line", "责任编辑：张三"),
    ("none", None),
    ("empty", ""),
    pytest.param(
        "sentence", "记者从全会上获悉，今年将推进改革。",
        marks=pytest.mark.xfail(strict=True, reason="BUG: _REPORTER_PREFIX turns a sentence starting with 记者从 into "
                                "the author '从全会上获悉、今年将推进改革。' (reached via info lines near the title)"),
        id="sentence-starting-with-reporter",
    ),
]


@pytest.mark.parametrize("name,text", [c if not hasattr(c, "values") else c for c in NOT_AUTHOR],
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in NOT_AUTHOR])
def test_author_from_none(name, text):
    assert author_from(text) is None
    if text:
        assert author_of_element(text) is None


ELEMENT_CASES = [
    ("bare-name", "张三", "张三"),
    ("two-names", "张三 李四", "张三、李四"),
    ("labelled", "作者：张三", "张三"),
    ("reporter-prefixed", "本报记者 王乐文", "王乐文"),
    ("source", "来源：新华社", None),
    ("date", "2024-03-09", None),
    ("blank", "   ", None),
    ("long-sentence", "这是一段很长很长的文字内容，不是作者名字，这是一段很长很长的文字内容", None),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in ELEMENT_CASES], ids=[c[0] for c in ELEMENT_CASES])
def test_author_of_element(text, expected):
    assert author_of_element(text) == expected


EDITOR_CASES = [
    ("bracketed-list", "(责编：章华维、高红霞)", "章华维、高红霞"),
    ("full-label", "责任编辑：张三", "张三"),
    ("then-source", "编辑：李四 来源：新华社", "李四"),
    ("square-brackets", "【责任编辑：王五】", "王五"),
    ("ascii-comma", "责编：赵六,钱七", "赵六、钱七"),
    ("author-is-not-editor", "作者：张三", None),
    ("source-is-not-editor", "来源：新华社", None),
    pytest.param(
        "责任编辑：张三 审核：李四", "张三",
        marks=pytest.mark.xfail(strict=True, reason="BUG: _STOP lacks 审核/校对, editor comes out as '张三、审核：李四'"),
        id="then-reviewer",
    ),
]


@pytest.mark.parametrize("text,expected", [c[1:] if isinstance(c, tuple) else c for c in EDITOR_CASES],
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in EDITOR_CASES])
def test_editor_from(text, expected):
    assert editor_from(text) == expected


BYLINES = [
    ("outlet-reporter", "新京报记者 张文倩 邓琦", "张文倩、邓琦"),
    ("paper-reporter", "本报记者 王乐文", "王乐文"),
    ("enumeration", "记者 张三、李四", "张三、李四"),
    ("four-char-name", "记者 欧阳修文", "欧阳修文"),
    ("correspondents", "通讯员 李四 王五", "李四、王五"),
    ("intern", "实习生 李四", "李四"),
    ("spaced-bracket", "（记者 张三 ）", "张三"),
    pytest.param("（记者 张三）", "张三", id="bracketed",
                 marks=pytest.mark.xfail(strict=True, reason="BUG: BYLINE_LINE needs a space/、/， after the last "
                                         "name, so a closing bracket right after it never matches")),
    pytest.param("本报记者  王乐文  方  敏", "王乐文、方敏", id="padded-two-char-name",
                 marks=pytest.mark.xfail(strict=True, reason="BUG: BYLINE_LINE wants 2-4 chars per name, so the "
                                         "padded '方  敏' that author_from handles never matches")),
]


@pytest.mark.parametrize("line,expected", [c[1:] if isinstance(c, tuple) else c for c in BYLINES],
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in BYLINES])
def test_byline_line(line, expected):
    assert BYLINE_LINE.match(line)
    assert byline_author(line) == expected


NOT_BYLINES = [
    ("sentence-reporter-from", "记者从全会上获悉，今年将推进改革。"),
    ("dateline-lead", "本报讯（记者 张三）近日，市政府召开会议。"),
    ("label-alone", "记者"),
    ("one-char-name", "记者 张"),
    ("source-line", "来源：新华社"),
    ("plain-sentence", "会议指出，要坚持以人民为中心的发展思想。"),
]


@pytest.mark.parametrize("line", [c[1] for c in NOT_BYLINES], ids=[c[0] for c in NOT_BYLINES])
def test_not_byline_line(line):
    assert BYLINE_LINE.match(line) is None


CLOSING_CREDITS = [
    ("with-credit-words", "（绵阳晚报记者 何玲 文/图）", "何玲"),
    ("after-sentence", "今天天气晴朗。（绵阳日报社融媒体记者 袁媛 李桥臻）", "袁媛、李桥臻"),
    ("trailing-full-stop", "……（记者 张三）。", "张三"),
    ("paper-reporters", "（本报记者 王乐文 方敏）", "王乐文、方敏"),
    ("no-reporter", "（新华社）", None),
    ("not-at-end", "（记者 张三）今天天气晴朗。", None),
    ("mid-sentence", "他说（记者从现场了解）好", None),
    ("year-in-brackets", "今天（2024年）", None),
    pytest.param("（记者 张三 通讯员 李四）", "张三、李四", id="reporter-and-correspondent",
                 marks=pytest.mark.xfail(strict=True, reason="BUG: _names strips only a leading role word, the "
                                         "second one is kept as a name: '张三、通讯员、李四'")),
]


@pytest.mark.parametrize("paragraph,expected", [c[1:] if isinstance(c, tuple) else c for c in CLOSING_CREDITS],
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in CLOSING_CREDITS])
def test_closing_credit_author(paragraph, expected):
    assert closing_credit_author(paragraph) == expected
