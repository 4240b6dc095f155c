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


def case(id, *values):
    return pytest.param(*values, id=id)



@pytest.mark.parametrize("text,expected", [
    case("plain", "来源：新华社", "新华社"),
    case("ascii-colon-region-and-report-link", "来源: 川越海峡 四川 举报", "川越海峡"),
    case("city-bracket-kept", "来源：中国证券报·中证网(北京)", "中国证券报·中证网(北京)"),
    case("hyphenated", "来源：人民网-人民日报", "人民网-人民日报"),
    case("wrapped-line", "（来源：新华社）", "新华社"),
    case("author-after-two-spaces", "来源：新华社  作者：张三", "新华社"),
    case("editor-after-space", "来源：新华社 编辑：张三", "新华社"),
    case("pipe-separated", "本文来源：澎湃新闻|编辑：李四", "澎湃新闻"),
    case("after-date", "2024-03-09 来源：人民网", "人民网"),
    case("before-author", "来源：人民网 作者：张三", "人民网"),
])
def test_source_label(text, expected):
    assert source_label(text) == expected
    assert source_from(text) == expected


@pytest.mark.parametrize("text,expected", [
    case("bare-name", "新华社", "新华社"),
    case("bare-with-spaces", "  人民网  ", "人民网"),
    case("author-label-is-not-a-source", "作者：张三", None),
    case("long-sentence", "这是一个非常非常非常非常非常非常非常非常长的句子，里面没有来源标签", None),
    case("none", None, None),
    case("empty", "", None),
])
def test_source_from_unlabelled_text(text, expected):
    assert source_label(text) is None
    assert source_from(text) == expected


@pytest.mark.parametrize("text,expected", [
    case("padded-names", "本报记者  王乐文  方  敏", "王乐文、方敏"),
    case("labelled", "作者：张三", "张三"),
    case("labelled-then-source", "作者：张三 来源：新华社", "张三"),
    case("reporter-label", "记者：李四 王五", "李四、王五"),
    case("source-then-author", "来源：人民网 作者：张三", "张三"),
    case("wen-label", "文：张三", "张三"),
    case("outlet-reporter", "新京报记者 张文倩 邓琦", "张文倩、邓琦"),
    case("correspondent", "通讯员 李四", "李四"),
    case("credit-words-dropped", "本报记者 王乐文 方敏 文/图", "王乐文、方敏"),
    case("enumeration-comma", "记者 张三、李四", "张三、李四"),
])
def test_author_from(text, expected):
    assert author_from(text) == expected


@pytest.mark.parametrize("text", [
    case("source-line", "来源：新华社"),
    case("source-names-a-reporter", "来源：记者 张三"),
    case("source-with-region", "来源: 川越海峡 四川 举报"),
    case("editor-line", "责任编辑：张三"),
    case("none", None),
    case("empty", ""),
    case("sentence-starting-with-reporter", "记者从全会上获悉，今年将推进改革。"),
])
def test_author_from_none(text):
    assert author_from(text) is None


@pytest.mark.parametrize("text,expected", [
    case("bare-name", "张三", "张三"),
    case("two-names", "张三 李四", "张三、李四"),
    case("labelled", "作者：张三", "张三"),
    case("reporter-prefixed", "本报记者 王乐文", "王乐文"),
    case("source-line", "来源：新华社", None),
    case("date", "2024-03-09", None),
    case("blank", "   ", None),
    case("long-sentence", "这是一段很长很长的文字内容，不是作者名字，这是一段很长很长的文字内容", None),
])
def test_author_of_element(text, expected):
    assert author_of_element(text) == expected


@pytest.mark.parametrize("text,expected", [
    case("bracketed-list", "(责编：章华维、高红霞)", "章华维、高红霞"),
    case("full-label", "责任编辑：张三", "张三"),
    case("then-source", "编辑：李四 来源：新华社", "李四"),
    case("square-brackets", "【责任编辑：王五】", "王五"),
    case("ascii-comma", "责编：赵六,钱七", "赵六、钱七"),
    case("author-is-not-editor", "作者：张三", None),
    case("source-is-not-editor", "来源：新华社", None),
    case("then-reviewer", "责任编辑：张三 审核：李四", "张三"),
])
def test_editor_from(text, expected):
    assert editor_from(text) == expected


@pytest.mark.parametrize("line,expected", [
    case("outlet-reporter", "新京报记者 张文倩 邓琦", "张文倩、邓琦"),
    case("paper-reporter", "本报记者 王乐文", "王乐文"),
    case("enumeration", "记者 张三、李四", "张三、李四"),
    case("four-char-name", "记者 欧阳修文", "欧阳修文"),
    case("correspondents", "通讯员 李四 王五", "李四、王五"),
    case("intern", "实习生 李四", "李四"),
    case("bracketed-space-before-close", "（记者 张三 ）", "张三"),
    case("bracketed", "（记者 张三）", "张三"),
    case("padded-two-char-name", "本报记者  王乐文  方  敏", "王乐文、方敏"),
])
def test_byline_line(line, expected):
    assert BYLINE_LINE.match(line)
    assert byline_author(line) == expected


@pytest.mark.parametrize("line", [
    case("sentence-reporter-from", "记者从全会上获悉，今年将推进改革。"),
    case("dateline-lead", "本报讯（记者 张三）近日，市政府召开会议。"),
    case("label-alone", "记者"),
    case("one-char-name", "记者 张"),
    case("source-line", "来源：新华社"),
    case("plain-sentence", "会议指出，要坚持以人民为中心的发展思想。"),
])
def test_not_a_byline_line(line):
    assert BYLINE_LINE.match(line) is None


@pytest.mark.parametrize("paragraph,expected", [
    case("with-credit-words", "（绵阳晚报记者 何玲 文/图）", "何玲"),
    case("after-sentence", "今天天气晴朗。（绵阳日报社融媒体记者 袁媛 李桥臻）", "袁媛、李桥臻"),
    case("trailing-full-stop", "……（记者 张三）。", "张三"),
    case("paper-reporters", "（本报记者 王乐文 方敏）", "王乐文、方敏"),
    case("no-reporter", "（新华社）", None),
    case("not-at-end", "（记者 张三）今天天气晴朗。", None),
    case("mid-sentence", "他说（记者从现场了解）好", None),
    case("year-in-brackets", "今天（2024年）", None),
    case("reporter-and-correspondent", "（记者 张三 通讯员 李四）", "张三、李四"),
])
def test_closing_credit_author(paragraph, expected):
    assert closing_credit_author(paragraph) == expected
