"""crawler.extract.noise: named line rules, clean_blocks, drop_elements."""
from collections import Counter

import pytest
from lxml import html

from crawler.extract.dom import Block
from crawler.extract.noise import LINE_RULES, clean_blocks, drop_elements, matching_rule


def case(id, *values):
    return pytest.param(*values, id=id)


BODY = "今年以来，全市经济运行稳中有进，各项主要指标好于预期。"  # 27 chars of ordinary prose


def p(text, **kw):
    return Block("p", text, **kw)


def texts(cleaned):
    return [b.text for b in cleaned.blocks]


NOISE_LINES = [
    case("editor", "责任编辑：张三", "editor-line"),
    case("editor-bracketed", "（责编：章华维、高红霞）", "editor-line"),
    case("source", "来源：新华社", "source-line"),
    case("byline", "新京报记者 张文倩 邓琦", "byline-line"),
    case("review", "审核：李四", "review-line"),
    case("original-title", "原标题：某某某", "original-title"),
    case("original-title-bracketed", "（原标题：某某某说了什么）", "original-title"),
    case("summary", "内容摘要：今天很好", "summary"),
    case("author", "作者：张三", "author-line"),
    case("reprint", "转载请注明出处", "reprint-notice"),
    case("gov-index-number", "索引号：000014349/2024-00001", "gov-info-table"),
    case("gov-publish-date", "发布日期：2024-03-09", "gov-info-table"),
    case("image-credit", "图片来自网络，侵删", "image-credit"),
    case("image-credit-bracketed", "（图片来源于网络 侵删）", "image-credit"),
    case("image-source", "图片来源：视觉中国", "image-source"),
    case("tip-off", "欢迎提供新闻线索，报料电话：12345", "tip-off"),
    case("special-statement", "特别声明：本页文字与配图由“网易号”作者自行上传，平台只负责存放与展示。",
         "platform-disclaimer"),
    case("notice-en", "Notice: The content above was put online by a NetEase Hao author; the platform only "
         "stores and shows it.", "platform-disclaimer"),
    case("share-to", "分享至：", "share"),
    case("share-platforms", "分享到： 微信 微博 QQ空间", "share"),
    case("small-font", "小字号", "font-size"),
    case("font-size-label", "字号：大 中 小", "font-size"),
    case("font-size-bracketed", "【大 中 小】", "font-size"),
    case("back-to-top", "返回顶部", "back-to-top"),
    case("top", "TOP", "back-to-top"),
    case("print-close", "打印本页 关闭窗口", "print-close"),
    case("print-close-bracketed", "【打印本页】【关闭窗口】", "print-close"),
    case("print-edition", "《人民日报》（2024年05月10日 04 版）", "print-edition"),
    case("print-edition-spaced", "《 人民日报 》（ 2024年05月10日 第04版）", "print-edition"),
    case("scan-qr", "扫码关注我们的微信公众号", "qr-promo"),
    case("download-app", "下载客户端", "qr-promo"),
    case("breadcrumb", "当前位置：首页 > 新闻中心", "breadcrumb"),
    case("icp", "蜀ICP备12345678号", "footer"),
    case("sponsor", "主办单位：某某市人民政府办公室", "footer"),
    case("related", "相关推荐", "recommend-heading"),
    case("related-news-bracketed", "【相关新闻】", "recommend-heading"),
    case("guess-you-like", "猜你喜欢", "recommend-heading"),
    case("seo-spam", "甲市| 乙县| 丙区| 丁镇| 戊乡| 己村| 庚街", "seo-link-spam"),
    case("info-line", "2024-03-09 10:00 来源：人民网 浏览：100", "info-line"),
    case("dashes", "——", "empty-punctuation"),
    case("player-speed", "倍速 2.0X 1.5X 1.0X", "media-player"),
    case("player-error", "视频加载失败，错误代码：4032", "media-player"),
    case("player-loading", "视频加载中 跳过广告", "media-player"),
    case("report-feedback", "举报/反馈 收藏", "widget-bar"),
    case("timestamp", "2024-05-10 10:20", "timestamp"),
    case("widget-bar", "举报 收藏 点赞 12 在看 3", "widget-bar"),
    case("read-on-app", "打开APP阅读全文", "read-on"),
    case("read-on-back", "返回首页，查看更多", "read-on"),
    case("page-bar-glued", "1234下一页", "page-bar"),
    case("page-bar-full", "首页 上一页 [1] [2] 3 下一页 尾页", "page-bar"),
    case("page-bar-count", "共3页 第1页 1/3 跳转", "page-bar"),
]


@pytest.mark.parametrize("line,rule", NOISE_LINES)
def test_rule_fires_on_noise_line(line, rule):
    found = matching_rule(line)
    assert found is not None and found.name == rule


def test_every_rule_has_a_noise_case():
    covered = {param.values[1] for param in NOISE_LINES}
    assert covered == {rule.name for rule in LINE_RULES}


@pytest.mark.parametrize("paragraph", [
    case("source-mid-sentence", "据来源于国家统计局的数据显示，今年一季度GDP同比增长5.3%。"),
    case("editor-verb", "社区专门编辑了一本手册，发放给居民。"),
    case("editorial-office", "他说：“这是我们的责任，也是我们的使命。”编辑部的同事们都很认同。"),
    case("reporter-learned", "记者从全会上获悉，今年将推进改革工作。"),
    case("date-and-labels-in-sentence", "2024年3月9日，记者来到了活动现场，发布会上，来源各异的展品吸引了观众。"),
    case("xinhua-report", "据新华社报道，国务院总理李强主持召开国务院常务会议。"),
    case("sharing-economy", "分享经济快速发展，已经成为新的增长点。"),
    case("printer-industry", "打印机行业今年增长很快，关闭了一些落后产能。"),
    case("location-word", "当前位置在哪里很重要，他说。"),
    case("statement-word", "特别声明这件事情很重要，他说道，我们都同意。"),
    case("dateline-with-reporter", "本报北京5月9日电 （记者 林小川）"),
    case("year-sentence", "2024年是全面贯彻落实党的二十大精神的关键之年。"),
    case("photo-caption", "图为活动现场。"),
    case("photo-credit-with-verb", "记者 张三 摄"),
    case("long-paragraph-with-pipes", "今年以来，全市 | 各区县 | 各部门认真落实，| 一系列政策措施取得成效，| 群众满意度 | "
         "持续提升，| 全年 | 目标 | 任务 | 圆满完成。" + BODY * 3),
    case("bare-word-source", "来源"),
    case("label-without-value", "编辑："),
    case("netizen-revealed", "有网友爆料称，该明星已于上月结婚。"),
    case("personal-view", "他说，这只是个人意见，不代表单位立场。"),
    case("columnist-opinion", "专栏作者李四认为，市场将会回暖。"),
    case("scan-to-book", "市民可扫描二维码预约挂号。"),
    case("speed-sentence", "他以2倍速度完成了任务，播放量超过3000万。"),
    case("ad-sentence", "广告投放量今年增长了三成。"),
    case("one-word-heading", "评论"),
    case("numbered-subheading", "01"),
    case("read-in-sentence", "阅读全文后，他陷入了沉思。"),
    case("copyright-holder", "该作品版权所有人为张三。"),
    case("next-page-sentence", "点击下一页，可以看到更多的图片。"),
    case("home-page-sentence", "首页上的12张照片都是他拍的。"),
    case("page-count-sentence", "这本书共300页，分为5章。"),
])
def test_rule_does_not_fire_on_article_text(paragraph):
    assert matching_rule(paragraph) is None


def test_clean_blocks_captures_editor_and_source():
    cleaned = clean_blocks([p("来源：新华社"), p(BODY), p(BODY), p("（责编：章华维、高红霞）")])
    assert texts(cleaned) == [BODY, BODY]
    assert cleaned.captured == {"source": "新华社", "editor": "章华维、高红霞"}
    assert cleaned.fired == Counter({"line:source-line": 1, "line:editor-line": 1})


def test_clean_blocks_keeps_the_first_captured_value_and_counts_each_line():
    cleaned = clean_blocks([p(BODY), p("编辑：张三"), p("责任编辑：李四")])
    assert texts(cleaned) == [BODY]
    assert cleaned.captured == {"editor": "张三"}
    assert cleaned.fired["line:editor-line"] == 2


def test_clean_blocks_captures_byline_author():
    cleaned = clean_blocks([p("新京报记者 张文倩 邓琦"), p(BODY)])
    assert texts(cleaned) == [BODY]
    assert cleaned.captured == {"author": "张文倩、邓琦"}


@pytest.mark.parametrize("blocks,kept", [
    case("cut-after-article", [p(BODY), p(BODY), p("相关推荐"), p("短链接一"), p("短链接二")], [BODY, BODY]),
    case("cut-when-rest-is-links", [p(BODY * 2), p("相关推荐"), p(BODY * 5, link_chars=len(BODY) * 5)], [BODY * 2]),
    case("no-cut-at-top", [p("相关推荐"), p(BODY), p(BODY)], [BODY, BODY]),
    case("no-cut-when-more-prose-follows", [p(BODY * 2), p("相关推荐"), p(BODY * 5)], [BODY * 2, BODY * 5]),
])
def test_clean_blocks_recommend_heading(blocks, kept):
    cleaned = clean_blocks(blocks)
    assert texts(cleaned) == kept
    assert cleaned.fired["line:recommend-heading"] == 1


def test_clean_blocks_drops_line_repeating_image_alt():
    alt = "市民在广场上参加健身活动的场景"
    image = Block("img", alt, src="http://example.com/1.jpg")
    cleaned = clean_blocks([image, p(alt), p(BODY), p(alt)])
    # Right under its image the line is a caption and stays; elsewhere it is a repeat.
    assert [(b.kind, b.text) for b in cleaned.blocks] == [("img", alt), ("p", alt), ("p", BODY)]
    assert cleaned.fired == Counter({"line:image-alt-repeat": 1})


@pytest.mark.parametrize("blocks,dropped", [
    case("title-on-one-line", [p("全会召开推进改革工作"), p(BODY)], 1),
    case("title-split-over-lines", [p("全会召开"), p("推进改革工作"), p(BODY)], 2),
])
def test_clean_blocks_drops_repeated_title(blocks, dropped):
    cleaned = clean_blocks(blocks, title="全会召开推进改革工作")
    assert texts(cleaned) == [BODY]
    assert cleaned.fired["line:title-repeat"] == dropped


def test_clean_blocks_counts_into_given_counter():
    fired = Counter({"earlier": 1})
    cleaned = clean_blocks([p("首页", link_chars=2), p(BODY)], fired)
    assert cleaned.fired is fired
    assert texts(cleaned) == [BODY]
    assert fired == Counter({"earlier": 1, "line:link-only": 1})


LONG = "正文内容" * 30


def dropped(markup, selectors=()):
    root = html.fragment_fromstring(markup)
    fired = Counter()
    drop_elements(root, selectors, fired)
    return html.tostring(root, encoding="unicode"), fired


@pytest.mark.parametrize("widget", [
    case("share", '<div class="share">分享</div>'),
    case("bdshare", '<div class="bdsharebuttonbox">x</div>'),
    case("id-with-digit", '<div id="ad2">ad</div>'),
    case("hyphenated-word", '<div class="header-ad">ad</div>'),
    case("case-insensitive", '<div class="QRCode">c</div>'),
    case("crumbs", '<div class="crumbs">首页 &gt; 要闻</div>'),
])
def test_drop_elements_removes_widget_classes(widget):
    out, fired = dropped(f"<div><p>{LONG}</p>{widget}</div>")
    assert out == f"<div><p>{LONG}</p></div>"
    assert fired == Counter({"element:widget-class": 1})


@pytest.mark.parametrize("element", [
    case("nav-not-a-noise-word", '<div class="nav">x</div>'),
    case("shadow-contains-ad", '<div class="shadow">s</div>'),
    case("download-contains-ad", '<div class="download">d</div>'),
    case("headline-contains-ad", '<div class="headline">h</div>'),
])
def test_drop_elements_keeps_words_containing_noise_words(element):
    out, fired = dropped(f"<div><p>{LONG}</p>{element}</div>")
    assert element.split(">")[0] in out
    assert not fired


def test_drop_elements_keeps_widget_holding_most_of_the_article():
    out, fired = dropped(f'<div><div class="related"><p>{LONG}</p></div><p>短</p></div>')
    assert LONG in out
    assert not fired


def test_drop_elements_keeps_tail_text():
    out, _ = dropped(f'<div><p>{LONG}</p><span class="share">分享</span>尾巴</div>')
    assert out == f"<div><p>{LONG}</p>尾巴</div>"


def test_drop_elements_profile_selectors_never_drop_the_container():
    out, fired = dropped(f'<div class="edit"><p>{LONG}</p><p class="edit">责编</p><p class="edit">责编2</p></div>',
                         ("div.edit", "p.edit"))
    assert out == f'<div class="edit"><p>{LONG}</p></div>'
    assert fired == Counter({"element:p.edit": 2})
