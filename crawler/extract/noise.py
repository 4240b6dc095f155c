"""Named noise rules: elements to drop inside an article, and lines to drop from its text.

Every rule has a name so that stats can say how often it fired. Line rules match
whole, short lines only: a paragraph that merely mentions 来源 or 编辑 mid-sentence
never matches.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from lxml import etree

from . import bylines
from .chinese import to_simplified
from .dom import Block, compact, select, text_of
from .trace import Note, element_note

# Class / id words that mark widgets and blocks around articles, matched as whole
# words of the attribute so that e.g. "content" never matches "nav". One word per widget
# kind the templates name alike (share bars, Baidu's share box, related / ad / QR blocks,
# breadcrumbs); synonyms no page carried went (README "Rule coverage").
_NOISE_WORDS = ("share", "sharing", "bdsharebuttonbox", "related", "crumbs", "ad", "gg", "qrcode")
_NOISE_ATTR = re.compile(
    r"(?:^|[\s_\-])(?:" + "|".join(re.escape(w) for w in _NOISE_WORDS) + r")(?:$|[\s_\-]|\d)",
    re.IGNORECASE,
)


def drop_elements(container: etree._Element, selectors: tuple[str, ...], fired: Counter,
                  notes: list[Note] | None = None) -> None:
    """Remove profile noise and generic widgets under `container` (never the container);
    with `notes`, say what each drop removed."""
    for selector in selectors:
        for element in select(container, selector):
            if element is not container and element.getparent() is not None:
                if notes is not None:
                    notes.append(element_note("element", selector, element))
                _drop(element)
                fired[f"element:{selector}"] += 1
    total = None
    for element in list(container.iterdescendants()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        attrs = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
        if not attrs or not _NOISE_ATTR.search(attrs):
            continue
        # A class word is a hint, not proof: never drop what holds most of the article.
        total = total if total is not None else len(text_of(container))
        if total and len(text_of(element)) > total / 2:
            continue
        if notes is not None:
            notes.append(element_note("element", f"widget-class ({attrs})", element))
        _drop(element)
        fired["element:widget-class"] += 1


def _drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


@dataclass(frozen=True)
class LineRule:
    """A whole-line noise pattern; `capture` moves the line's value into a field."""

    name: str
    pattern: re.Pattern[str]
    max_len: int = 80
    capture: str | None = None
    cut_rest: bool = False
    value: Callable[[str], str | None] | None = None


def _rule(name: str, regex: str, **kw) -> LineRule:
    return LineRule(name, re.compile(regex, re.IGNORECASE), **kw)


_OPEN, _CLOSE = r"^[\s(（\[【]*", r"[\s)）\]】。]*$"
LINE_RULES: tuple[LineRule, ...] = (
    _rule("editor-line", bylines.EDITOR_LINE.pattern, max_len=60, capture="editor", value=bylines.editor_from),
    _rule("source-line", _OPEN + r"(?:" + "|".join(bylines.SOURCE_WORDS) + r")\s*[:：]\s*\S.{0,40}?" + _CLOSE,
          max_len=50, capture="source", value=bylines.source_from),
    _rule("author-line", _OPEN + r"作者\s*[:：].{1,40}?" + _CLOSE, max_len=50, capture="author", value=bylines.author_from),
    _rule("byline-line", bylines.BYLINE_LINE.pattern, max_len=50, capture="author", value=bylines.byline_author),
    _rule("review-line", _OPEN + r"(?:审核|校对|审校|终审|初审|复审|监制|制作|统筹)\s*[:：].{1,40}?" + _CLOSE, max_len=60),
    _rule("original-title", r"^[\s【\[(（]*原标题\s*[:：]", max_len=120),
    _rule("summary", r"^[\s【\[]*(?:内容摘要|内容提要|摘要|导读|核心提示)\s*[:：]", max_len=400),
    _rule("reprint-notice",
          r"转载请注明|^[\s【\[(（]*(?:版权声明|免责声明|声明)\s*[:：】\]]|^(?:本文|文章)(?:仅|只)?(?:为|代表)作者"
          r"|本文(?:系|为).{0,20}(?:授权|原创|独家|首发)|不代表(?:本站|本网|本平台|本报|本刊|网易|我们|本号)"
          r"|未经(?:授权|许可).{0,10}(?:转载|使用|复制)|^作者.{0,30}(?:专栏作者|特约作者|签约作者)|^作者简介\s*[:：]",
          max_len=160),
    _rule("gov-info-table", r"^\s*(?:索\s*引\s*号|主题分类|分\s*类|发文机关|发布机构|成文日期|发布日期|生效日期|标\s*题|发文字号|文\s*号|主\s*题\s*词|有\s*效\s*性|公开方式|公开范围)\s*[:：]", max_len=200),
    _rule("image-credit", r"^[\s(（]*图片来[自源][^)）]{0,20}(?:侵删|侵权)[^)）]{0,10}[)）]?\s*$"),
    _rule("image-source", _OPEN + r"(?:图片|图|配图)(?:来源|来自)\s*[:：].{1,30}" + _CLOSE, max_len=40),
    # A call for tips: 报料 with a channel or in 【】, not a sentence that reports a 爆料.
    _rule("tip-off", r"^[\s【\[]*(?:如果您有|欢迎|提供)?(?:新闻)?线索|(?:报料|爆料)(?:热线|电话|邮箱|微信|QQ|平台|方式)|"
                     r"^[\s【\[].{0,40}(?:报料|爆料)|(?:报料|爆料).{0,40}[】\]]\s*$", max_len=120),
    _rule("platform-disclaimer", r"^\s*(?:特别声明|免责声明)\s*[:：]|^\s*Notice:\s*The content above", max_len=400),
    _rule("share", r"^\s*(?:\d+\s*)?(?:分享到|分享至|分享让更多人看到|一键分享|分享)\s*[:：]?[\s\-—|]*(?:(?:微信|微博|新浪微博|QQ|QQ空间|空间|朋友圈|豆瓣|人人网)[\s\-—|]*)*$"),
    _rule("font-size", r"^[\s【\[]*(?:字号|字体)\s*[:：]?\s*[大中小\s]+[】\]]?\s*$|^\s*[小大中]字号\s*$|^\s*【?\s*[大中小]\s*[大中小]\s*[大中小]?\s*】?\s*$"),
    _rule("back-to-top", r"^\s*[【\[]?\s*(?:返回顶部|回到顶部|TOP|返回首页)\s*[】\]]?\s*$"),
    _rule("print-close", r"^[\s【\[]*(?:打印本页|打印|关闭窗口|关闭|收藏|纠错|我要纠错)[\s】\]]*(?:[【\[]?\s*(?:打印本页|打印|关闭窗口|关闭|收藏|纠错)\s*[】\]]?\s*)*$"),
    _rule("print-edition", r"^[\s(（]*《\s*[^》]{2,16}\s*》\s*[(（]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*第?\s*[\d一二三四五六七八九十]{1,4}\s*版\s*[)）][\s)）]*$"),
    _rule("qr-promo", r"扫码(?:关注|下载|订阅|阅读|查看|加入)|(?:扫描?|长按|识别)(?:下方|上方|右侧|左侧|图中)?二维码.{0,8}(?:关注|下载|订阅|加入|阅读|查看|分享)"
                      r"|扫一扫|^[\s【\[]*关注(?:我们|公众号|微信公众号)|下载.{0,6}客户端|在手机(?:上)?(?:打开|阅读|浏览)",
          max_len=50),
    _rule("breadcrumb", r"^\s*(?:当前位置|您现在的位置|你现在的位置|您的位置|你的位置|所在位置)\s*[:：]", max_len=120),
    _rule("footer", r"ICP\s*[备证]|网站标识码|公网安备|(?:^|[\s|])版权所有(?:[\s:：©(（]|$)|Copyright\s*(?:©|\(c\))|©\s*(?:19|20)\d{2}"
                    r"|All\s+Rights\s+Reserved|^\s*主办(?:单位)?\s*[:：]|^\s*承办(?:单位)?\s*[:：]", max_len=200),
    _rule("recommend-heading",
          r"^\s*[【\[]?\s*(?:(?:相关|热点|热门|图片|热图|推荐|延伸|精彩|更多|编辑|重点|往期|为您|大家都在|最新)[\s·•]*"
          r"(?:推荐|新闻|阅读|文章|报道|回顾|图片|精彩|看|资讯)|猜你喜欢)\s*[】\]]?\s*[:：]?\s*(?:全部|更多|>>|》)*\s*$",
          cut_rest=True),
    _rule("seo-link-spam", r"^(?:[^|｜]{1,10}[|｜]\s*){6,}[^|｜]{0,10}$", max_len=100000),
    # The date / 来源 / 浏览 line, when a template prints it inside the body: a full date,
    # a labelled field, and no sentence punctuation (a sentence that mentions 发布 stays).
    _rule("info-line",
          r"^(?=.*(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"
          r"(?=.*(?:来源|作者|编辑|发布|浏览|点击|阅读|字号|时间|日期)\s*[:：])(?!.*[，。！？]).{0,100}$",
          max_len=100),
    # A video player's controls and messages, printed as text when the page is saved
    # without its scripts: speed menus (倍速 2.0X), time counters, quality, error codes.
    _rule("media-player",
          r"^(?:\s*(?:倍速|播放|暂停|重播|重新播放|点击播放|正在播放|全屏|退出全屏|网页全屏|静音|音量|清晰度|标清|高清|超清|蓝光|"
          r"自动|画中画|弹幕|设置|加载中|视频加载中|重新加载|跳过广告|广告|\d{1,2}:\d{2}(?::\d{2})?|/|\d(?:\.\d{1,2})?\s*[xX×倍]|[xX×]\s*\d(?:\.\d{1,2})?)\s*)+$"
          r"|错误代码|错误码\s*[:：]|视频加载失败|视频(?:无法|不能)播放|浏览器(?:暂)?不支持.{0,12}(?:视频|播放|HTML5|flash)|浏览器版本过低"
          r"|your browser does not support|请(?:刷新|稍后)重试",
          max_len=60),
    # A bar of page widgets printed as text (举报 收藏 点赞 在看 12 …), and the calls to read
    # on elsewhere (展开全文, 打开APP阅读, 返回首页，查看更多): chrome of every portal template.
    _rule("widget-bar",
          r"^(?=.*(?:举报|收藏|赞|在看|评论|转发|分享|打印|纠错|关注|复制链接|微信|微博|朋友圈|QQ空间|字号))"
          r"(?:\s*(?:举报|反馈|收藏|已收藏|点赞|赞|在看|评论|写评论|转发|分享|打印|纠错|关注|\+?关注|取消关注|复制链接|微信|微博|"
          r"朋友圈|QQ空间|字号|[大中小]|\d+(?:\.\d+)?万?(?!\d)|[|｜/·•])\s*){2,}$", max_len=30),
    _rule("read-on",
          r"^[\s【\[]*(?:展开全文|阅读全文|查看全文|点击查看全文|继续阅读|查看更多|加载更多|点击加载更多|"
          r"打开.{0,8}(?:APP|客户端).{0,6}(?:阅读|查看|看)(?:更多|全文)?.{0,6}|返回\S{1,8}[，,]\s*查看更多)[\s】\]>»。]*$",
          max_len=30),
    # The page bar of an article split over pages (上一页 1 2 3 下一页, 1234下一页, 共3页),
    # printed inside the body: a page word, and nothing but page words and numbers.
    _rule("page-bar",
          r"^(?=.*(?:上一页|下一页|上页|下页|前一页|后一页|首页|尾页|末页|共\s*\d+\s*页))"
          r"(?:\s*(?:上一页|下一页|上页|下页|前一页|后一页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页|\d{1,3}|"
          r"\d+\s*/\s*\d+|跳转|转到|GO|[\[\]【】<>«»…|｜/·])\s*)+$", max_len=60),
    # A bare numeric timestamp on a line of its own is the template's date, never a
    # sentence (a document's closing 2024年5月10日 signature is written out and stays).
    _rule("timestamp", r"^\s*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$", max_len=20),
    _rule("empty-punctuation", r"^[\s\W_]*$", max_len=20),
)


@dataclass
class Cleaned:
    blocks: list[Block]
    captured: dict[str, str] = field(default_factory=dict)
    fired: Counter = field(default_factory=Counter)


def clean_blocks(blocks: list[Block], fired: Counter | None = None, title: str | None = None,
                 notes: list[Note] | None = None) -> Cleaned:
    """Drop noise lines; move 责编 / 来源 / byline lines into fields; cut at recommendation
    headings. With `notes`, say which rule dropped each line."""
    result = Cleaned([], fired=fired if fired is not None else Counter())
    alts = {b.text for b in blocks if b.kind == "img" and len(b.text) >= 8}
    blocks = _drop_split_title(blocks, title, result.fired, notes)
    for index, block in enumerate(blocks):
        if block.kind == "img":
            result.blocks.append(block)
            continue
        follows_image = index > 0 and blocks[index - 1].kind == "img"
        structural = _structural_noise(block, set() if follows_image else alts, title)
        if structural:
            result.fired[f"line:{structural}"] += 1
            if notes is not None:
                notes.append(Note("line", structural, (block.text,)))
            continue
        rule = matching_rule(block.text)
        if rule is None:
            result.blocks.append(block)
            continue
        result.fired[f"line:{rule.name}"] += 1
        if notes is not None:
            notes.append(Note("line", rule.name, (block.text,)))
        if rule.capture and rule.value and rule.capture not in result.captured:
            value = rule.value(block.text)
            if value:
                result.captured[rule.capture] = value
        if rule.cut_rest and _ends_article(result.blocks, blocks[index + 1:]):
            if notes is not None:
                notes.append(Note("cut", rule.name, tuple(b.text for b in blocks[index + 1:] if b.kind != "img")))
            break
    return result


def _drop_split_title(blocks: list[Block], title: str | None, fired: Counter,
                      notes: list[Note] | None) -> list[Block]:
    """Remove the headline printed again inside the body, broken over several lines."""
    target = compact(title or "")
    if len(target) < 8:
        return blocks
    for start in range(min(len(blocks), 12)):
        joined = ""
        for end in range(start, min(len(blocks), start + 6)):
            joined += compact(blocks[end].text)
            if not target.startswith(joined):
                break
            if joined == target and end > start:
                fired["line:title-repeat"] += end - start + 1
                if notes is not None:
                    notes.append(Note("line", "title-repeat", tuple(b.text for b in blocks[start:end + 1])))
                return blocks[:start] + blocks[end + 1:]
    return blocks


def _structural_noise(block: Block, alts: set[str], title: str | None) -> str | None:
    """Noise told by where a line comes from rather than by its words."""
    if block.text in alts:
        return "image-alt-repeat"
    if title and block.text == title:
        return "title-repeat"
    if block.link_chars >= 0.9 * len(block.text) and len(block.text) <= 40 and block.kind != "row":
        return "link-only"
    return None


@lru_cache(maxsize=8192)  # a line is tested by the link-density check, then by the cleaning
def matching_rule(text: str) -> LineRule | None:
    text = to_simplified(text)  # rules are written in Simplified; mirrors print Traditional
    for rule in LINE_RULES:
        if len(text) <= rule.max_len and rule.pattern.search(text):
            return rule
    return None


def _ends_article(kept: list[Block], rest: list[Block]) -> bool:
    """A recommendation heading ends the article when the article came before it: some
    text precedes it, and what follows is links or less than what came before."""
    before = sum(len(b.text) for b in kept if b.kind != "img")
    if before < 40:
        return False
    after = [b for b in rest if b.kind != "img"]
    after_chars = sum(len(b.text) for b in after)
    linked = sum(b.link_chars for b in after)
    return after_chars <= before or linked >= after_chars / 2
