"""crawler.extract.bylines: 来源 / 作者 / 编辑 values out of Chinese info lines."""
import pytest

from crawler.extract.bylines import (
    DATELINE,
    EDITOR_LINE,
    body_author,
    dateline_author,
    strong_editor_from,
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
    case("padded-names", "本报记者  林小川  苏  禾", "林小川、苏禾"),
    case("labelled", "作者：张三", "张三"),
    case("labelled-then-source", "作者：张三 来源：新华社", "张三"),
    case("reporter-label", "记者：李四 王五", "李四、王五"),
    case("source-then-author", "来源：人民网 作者：张三", "张三"),
    case("wen-label", "文：张三", "张三"),
    case("outlet-reporter", "新京报记者 张文倩 邓琦", "张文倩、邓琦"),
    case("correspondent", "通讯员 李四", "李四"),
    case("credit-words-dropped", "本报记者 林小川 苏禾 文/图", "林小川、苏禾"),
    case("enumeration-comma", "记者 张三、李四", "张三、李四"),
    # A foreign author's name is one person however many words it has.
    case("latin-name", "作者：Martin Wolf", "Martin Wolf"),
    case("latin-names-listed", "作者：Anna Lee, John O'Brien", "Anna Lee、John O'Brien"),
    case("cjk-then-latin", "记者 林小川 Anna Lee", "林小川、Anna Lee"),
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
    case("reporter-prefixed", "本报记者 林小川", "林小川"),
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
    case("paper-reporter", "本报记者 林小川", "林小川"),
    case("enumeration", "记者 张三、李四", "张三、李四"),
    case("four-char-name", "记者 欧阳修文", "欧阳修文"),
    case("correspondents", "通讯员 李四 王五", "李四、王五"),
    case("intern", "实习生 李四", "李四"),
    case("bracketed-space-before-close", "（记者 张三 ）", "张三"),
    case("bracketed", "（记者 张三）", "张三"),
    case("padded-two-char-name", "本报记者  林小川  苏  禾", "林小川、苏禾"),
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
    case("paper-reporters", "（本报记者 林小川 苏禾）", "林小川、苏禾"),
    case("no-reporter", "（新华社）", None),
    case("not-at-end", "（记者 张三）今天天气晴朗。", None),
    case("mid-sentence", "他说（记者从现场了解）好", None),
    case("year-in-brackets", "今天（2024年）", None),
    case("reporter-and-correspondent", "（记者 张三 通讯员 李四）", "张三、李四"),
])
def test_closing_credit_author(paragraph, expected):
    assert closing_credit_author(paragraph) == expected


# Shapes seen on the sites, each as a line of our own (every name invented).
@pytest.mark.parametrize("line,expected", [
    case("outlet-channel-spaced", "某某网某某频道  记者  林小川  苏禾", "林小川、苏禾"),
    case("square-bullet", "□ 本报记者 林小川", "林小川"),
    case("magazine-author", "《周刊》作者 林小川", "林小川"),
    case("wen-slash", "文/林小川", "林小川"),
    case("wen-tu", "文/图 林小川 苏禾", "林小川、苏禾"),
    case("bracketed-columnist", "【文/某某网专栏作者 林小川】", "林小川"),
    case("zhibi-ampersand", "执笔/甲乙、丙丁&戊己", "甲乙、丙丁、戊己"),
    case("compiled-by-reporter", "整合 某某日报·客户端记者 林小川", "林小川"),
    case("author-no-colon", "作者 林小川 苏禾", "林小川、苏禾"),
    case("spokesperson", "某某工程新闻发言人 林小川", "林小川"),
])
def test_byline_line_shapes(line, expected):
    assert BYLINE_LINE.match(line)
    assert byline_author(line) == expected


@pytest.mark.parametrize("line", [
    case("photo-credit", "记者 林小川 摄"),
    case("sentence-after-role", "记者近日从市农业农村局召开的全市工作会议上了解到"),
])
def test_byline_line_rejects(line):
    assert BYLINE_LINE.match(line) is None


@pytest.mark.parametrize("lead,expected", [
    case("paper", "本报讯（记者林小川）近日，市政府召开会议。", "林小川"),
    case("site-dated-compiled", "某某网10月4日讯（记者林小川 整合）今天上午，", "林小川"),
    case("site-city-dated", "人民网某某11月8日电（记者苏禾）记者从省里获悉，", "苏禾"),
    case("agency-spaced", "新华社北京5月13日电（记者 林小川 苏禾）会议指出，", "林小川、苏禾"),
    case("via-agency", "据新华社某某电（记者 林小川）记者近日从会上了解到，", "林小川"),
    case("reporter-and-correspondent", "本报讯（记者 林小川 通讯员 苏禾）日前，", "林小川、苏禾"),
    case("enumerated", "新华社北京5月13日电（记者林小川、苏禾、周一）", "林小川、苏禾、周一"),
])
def test_dateline_author(lead, expected):
    assert DATELINE.match(lead)
    assert dateline_author(lead) == expected


@pytest.mark.parametrize("lead", [
    case("no-reporter", "新华社北京11月17日电 国务院日前印发通知，"),
    case("plain-lead", "近日，市政府召开会议（扩大），研究部署工作。"),
    case("agency-without-names", "新华社北京5月13日电（记者）会议指出，"),
])
def test_dateline_without_a_reporter(lead):
    assert dateline_author(lead) is None


@pytest.mark.parametrize("paragraph,last,expected", [
    case("names-alone", "全文的最后一句。（林小川 苏禾 ）", True, "林小川、苏禾"),
    case("one-name-alone", "全文的最后一句。(林小川)", True, "林小川"),
    case("names-alone-not-last", "全文的最后一句。（林小川 苏禾）", False, None),
    case("office-is-not-a-person", "全文的最后一句。（某某县发改局）", True, None),
    case("agency-is-not-a-person", "全文的最后一句。（新华社）", True, None),
    case("end-mark", "全文的最后一句。（完）", True, None),
    case("wen-tu", "全文的最后一句。(文/图 林小川 苏禾)", True, "林小川、苏禾"),
    case("commentator", "全文的最后一句。（某某日报评论员）", True, "某某日报评论员"),
    case("author-affiliation", "(作者：苏禾南京某某大学材料学院教授)", True, "苏禾"),
    case("affiliation-no-name", "（作者系某某大学教授）", True, None),
    case("document-in-brackets", "全文的最后一句（详见2024年文件）", True, None),
])
def test_closing_credit_shapes(paragraph, last, expected):
    assert closing_credit_author(paragraph, last=last) == expected


def test_body_author_reads_the_lead_then_the_close():
    lead = "本报讯（记者林小川）近日，市政府召开会议。"
    assert body_author([lead, "正文。", "最后一句。（苏禾）"]) == "林小川"
    assert body_author(["近日，市政府召开会议。", "正文。", "最后一句。（苏禾）"]) == "苏禾"
    assert body_author(["近日，市政府召开会议。", "最后一句。（苏禾）", "另起一段。"]) is None


@pytest.mark.parametrize("line,expected", [
    case("outlet-editor-no-colon", "（某某网编辑 林小川）", "林小川"),
    case("slash", "编辑/林小川", "林小川"),
    case("selecting-editor", "选稿：林小川", "林小川"),
    case("ascii-colon-brackets", "【编辑:林小川】", "林小川"),
    case("two-editors", "(责编：林小川、苏禾)", "林小川、苏禾"),
    case("credits-block", "编辑 林小川 ｜ 排版 苏禾", "林小川"),
    case("code-token", "[责任编辑：林小川 PX101]", "林小川"),
    case("code-suffix", "责任编辑：林小川_NN5678", "林小川"),
    case("bare-code", "责任编辑：NF101", "NF101"),
    case("latin-handle", "责任编辑：linxc", "linxc"),
    case("space-separated", "责任编辑：林小川 苏禾", "林小川、苏禾"),
])
def test_editor_line_shapes(line, expected):
    assert EDITOR_LINE.match(line)
    assert editor_from(line) == expected


@pytest.mark.parametrize("line", [
    case("verb", "社区专门编辑了一本手册，发放给居民。"),
    case("editorial-office", "编辑部的同事们都很认同。"),
])
def test_not_an_editor_line(line):
    assert EDITOR_LINE.match(line) is None
    assert editor_from(line) is None


def test_strong_editor_is_only_the_responsible_editor():
    assert strong_editor_from("【纠错】 【责任编辑:林小川】") == "林小川"
    assert strong_editor_from("编辑：林小川") is None


@pytest.mark.parametrize("text,expected", [
    case("font-toggle-glued", "来源：某某网调整字体", "某某网"),
    case("date-glued", "来源：某某日报2024-05-13", "某某日报"),
    case("editor-glued", "来源:某某区选稿：林小川", "某某区"),
    case("comment-link-glued", "来源：某某网参与互动", "某某网"),
    case("label-variant", "来源于：某某办事处", "某某办事处"),
    case("picture-source-is-not-the-source", "图片来源：某某图库", None),
    case("name-with-middle-word", "来源：中国中小企业网", "中国中小企业网"),
])
def test_source_values_cleaned(text, expected):
    assert source_from(text) == expected


@pytest.mark.parametrize("text,expected", [
    case("view-counter-glued", "作者：林小川、苏禾浏览次数：--", "林小川、苏禾"),
    case("interview-label-is-not-a-byline", "记者：首先欢迎你来到我们的节目，请问你怎样看待这个问题？", None),
    case("original-text-label", "原文：略", None),
])
def test_author_values_cleaned(text, expected):
    assert author_from(text) == expected


@pytest.mark.parametrize("text,reader,expected", [
    case("empty-author-then-editor", "作者： 责任编辑：林小川", author_from, None),
    case("editor-after-empty-author", "作者： 责任编辑：林小川", editor_from, "林小川"),
    case("empty-source-then-author", "来源： 作者：林小川", source_from, None),
    case("role-words-are-not-names", "编辑/排版：林小川", editor_from, None),
])
def test_an_empty_label_takes_nothing_from_the_next(text, reader, expected):
    assert reader(text) == expected


def test_a_place_in_closing_brackets_is_not_a_person():
    assert closing_credit_author("全文的最后一句。(北京)", last=True) is None


@pytest.mark.parametrize("text,reader,expected", [
    case("bar-ideograph-author", "文丨林小川", byline_author, "林小川"),
    case("bar-ideograph-editor", "编辑丨苏禾", editor_from, "苏禾"),
    case("pipe-editor", "编辑 | 苏禾", editor_from, "苏禾"),
    case("note-beside-name", "作者：林小川（实习生）", author_from, "林小川"),
    case("dateline-without-brackets", "本报讯 记者林小川 通讯员苏禾 近日，市里召开会议。", dateline_author, "林小川、苏禾"),
])
def test_bars_notes_and_bare_datelines(text, reader, expected):
    assert reader(text) == expected


def test_bar_lines_are_byline_and_editor_lines():
    assert BYLINE_LINE.match("文丨林小川") and EDITOR_LINE.match("编辑丨苏禾")


@pytest.mark.parametrize("line,expected", [
    case("photo-editor-after", "责任编辑：林小川 图片编辑：苏禾", "林小川"),
    case("photo-editor-alone", "图片编辑：苏禾", None),
    case("responsible-editor-first", "编辑：周一 责任编辑：林小川", "林小川"),
])
def test_other_editors_are_not_the_editor(line, expected):
    assert editor_from(line) == expected


@pytest.mark.parametrize("text", ["作者：佚名", "作者：未知", "记者：不详"])
def test_nobody_named(text):
    assert author_from(text) is None
