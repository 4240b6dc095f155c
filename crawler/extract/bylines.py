"""Source, author and editor values out of Chinese info lines, bylines and credits.

The shapes, as readers see them (every name below is invented):
  info line     来源：新华社  作者：林小川  责任编辑：苏禾
  byline line   本报记者 林小川 苏禾 / 文/林小川 / 《周刊》作者 林小川 / 执笔/甲乙、丙丁&戊己
  dateline      新华社北京5月13日电（记者 林小川）… / 本报讯（记者林小川 通讯员苏禾）…
  credit        …全文最后一句。（记者 林小川） / （文/图 林小川 苏禾） / （林小川 苏禾）
  editor line   （责编：苏禾、林小川） / 【编辑:苏禾】 / 编辑/苏禾 / 选稿：苏禾 / （某某网编辑 苏禾）
Values are cleaned of what templates glue on (a date, a font-size toggle, a view counter,
an editor's CMS code) and several names are joined with 、.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from .chinese import to_simplified

# CJK ideographs, with the extension planes: t2s turns some names' characters into them (頔 -> 𬱖).
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Label words, longest first so that the alternation prefers them.
SOURCE_WORDS = ("本文来源", "文章来源", "信息来源", "稿件来源", "新闻来源", "来源于", "来源", "稿源")
EDITOR_WORDS = ("责任编辑", "值班编辑", "责任编校", "网络编辑", "责编", "编辑", "选稿", "编审")
STRONG_EDITOR_WORDS = ("责任编辑", "责编")
_AUTHOR_WORDS = ("专栏作者", "作者", "记者", "撰文", "撰稿", "执笔", "通讯员", "文")
# Other people's credits: their labels end a value, and never name the editor or author.
_OTHER_WORDS = ("图片编辑", "美术编辑", "视频编辑", "审核", "校对", "审校", "终审", "初审", "复审", "监制", "摄影",
                "摄像", "排版", "美编", "制图",
                "统筹", "策划", "出品", "浏览", "点击", "阅读", "发布", "时间", "日期", "字号", "字体", "编审")


def _alternation(words) -> str:
    return "|".join(sorted(set(words), key=len, reverse=True))


_ANY_LABEL = _alternation(SOURCE_WORDS + EDITOR_WORDS + _AUTHOR_WORDS + _OTHER_WORDS)
# What parts a label from its value: 作者：甲乙, 文/甲乙, 编辑 | 甲乙 (丨 is read as |).
_MARK = r"[:：/|｜丨]"
# A label with nothing after it (作者： 责任编辑：甲乙) has no value: the next label is not one.
_EMPTY = rf"(?!(?:{_ANY_LABEL})\s*{_MARK})"
_SEP = rf"\s*[:：]\s*{_EMPTY}"
# Where a value ends: two spaces, another label, a view counter, a pipe, a glued date.
_STOP = (rf"(?=\s{{2,}}|\s*(?:{_ANY_LABEL})\s*[:：]|\s+(?:来源|作者|记者|编辑|责编|浏览|点击|发布|时间|字号|日期)"
         r"|浏览次数|阅读次数|点击数|点击量|阅读量|浏览量|[|｜]|$)")
# 图片来源 / 素材来源 name where a picture or material came from, not the article's 来源.
SOURCE_LABEL = re.compile(rf"(?<![图片素材视频数据资料])(?:{_alternation(SOURCE_WORDS)}){_SEP}(?P<v>.+?){_STOP}")
# A bare 文 is a label only where no character comes before it (原文：… is not a byline).
AUTHOR_LABEL = re.compile(
    rf"(?:文/图|图/文|(?<![{_CJK}])文|{_alternation(w for w in _AUTHOR_WORDS if w != '文')})\s*{_MARK}\s*{_EMPTY}"
    rf"(?P<v>.+?){_STOP}"
)
_NOT_THE_EDITOR = r"(?<!图片)(?<!美术)(?<!视频)"  # 图片编辑 is the photo editor
EDITOR_LABEL = re.compile(rf"{_NOT_THE_EDITOR}(?:{_alternation(EDITOR_WORDS)})\s*{_MARK}\s*{_EMPTY}(?P<v>.+?){_STOP}")
STRONG_EDITOR_LABEL = re.compile(rf"(?:{_alternation(STRONG_EDITOR_WORDS)}){_SEP}(?P<v>.+?){_STOP}")

# A name: Chinese of up to five characters, or a transliteration with ·, or Latin words.
_NAME = rf"(?:[{_CJK}]{{1,5}}(?:[·・][{_CJK}]{{1,8}})*|[A-Za-z][A-Za-z.\-]*)"
_NAMES = rf"{_NAME}(?:[\s、，,&＆]+{_NAME}){{0,7}}"
# A Latin name is words joined by spaces ('Martin Wolf'): one person, where a space between
# CJK names ('林小川 苏禾') separates two.
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z.'\-]*")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z.'\-]*(?: [A-Za-z][A-Za-z.'\-]*){1,3}")
_ROLE = r"(?:特约|见习|实习|首席|融媒体)?(?:记者|通讯员|实习生|专栏作者|作者|执笔|撰文|撰稿|采写|新闻发言人)"
# The outlet before a role: 本报 / 新京报 / 《周刊》 / 某某日报·客户端 / 某某网某某频道.
_OUTLET = rf"[{_CJK}·《》]{{0,16}}\s*"
_REPORTER_PREFIX = re.compile(rf"^{_OUTLET}{_ROLE}\s*{_MARK}?\s*")
_CREDIT_WORDS = {"文", "图", "文图", "图文", "摄", "摄影", "报道", "供图", "整理", "视频", "整合", "采写", "编译", "综合"}
# 佚名 / 未知 / 不详 say nobody is named.
_NOT_NAMES = _CREDIT_WORDS | set(EDITOR_WORDS) | set(_OTHER_WORDS) | set(SOURCE_WORDS) | {"佚名", "未知", "不详", "匿名"}
_TRAILING_CREDIT = re.compile(r"\s+(?:文/图|图/文|文图|摄影|摄|报道|供图|整合|整理)\s*$")
_ROLE_TOKEN = re.compile(rf"^{_OUTLET}{_ROLE}$")
_NAME_SPLIT = re.compile(r"\s*[、，,;；&＆|｜]\s*|\s+(?:文/图|图/文)$")
_NAMES_ONLY = re.compile(rf"^{_NAMES}[\s)）]*$")
# A CMS's internal code glued to an editor's name: 苏禾_NN5678, 苏禾 PX101.
_CODE_SUFFIX = re.compile(r"_[A-Za-z]{1,5}\d+$")
_CODE = re.compile(r"^[A-Za-z]{1,5}\d{2,}$")
_GLUED_COUNTER = r"浏览次数|阅读次数|点击数|点击量|阅读量|浏览量"
# Glued on after a value by the template: a date, a font-size toggle, share / print links.
_GLUED = re.compile(
    rf"(?:19|20)\d{{2}}\s*[-/.年]\s*\d{{1,2}}.*$|(?:调整字体|字体|字号|【?\s*大\s*中\s*小|打印|分享|收藏|举报|参与互动|我要评论|我有话说|{_GLUED_COUNTER}).*$"
)
# An affiliation glued to a name, as op-ed credits print them: 林小川某某理工大学材料学院教授.
_AFFILIATION = re.compile(
    rf"^[{_CJK}]{{2,}}?(?:大学|学院|研究院|研究所|研究中心|中心|委员会|协会|学会|银行|集团|报社)[{_CJK}]*$"
)
# Where the affiliation starts is told by a common first word; else the name is taken as
# three characters, the commonest length of a Chinese name.
_INSTITUTION_HEAD = re.compile(
    rf"^(?:中国|北京|上海|天津|重庆|清华|复旦|南京|浙江|武汉|中山|南开|厦门|人民|国家|国务院|中央|中共|全国|社会|首都|对外"
    rf"|[{_CJK}]{{2}}[省市])"
)
_PAIRS = {")": "(", "）": "（", "]": "[", "】": "【"}


def _matchable(text: str | None) -> str | None:
    """Labels are matched in Simplified: a Traditional page's 來源 / 責編 / 記者 count too.
    丨, the ideograph that WeChat-style bylines use as a bar (文丨甲乙), is read as one."""
    return to_simplified(text).replace("丨", "|") if text else text


def _clean(value: str) -> str | None:
    """Trim spaces and brackets that wrap the value, keep brackets that belong to it: 中证网(北京)."""
    value = value.strip(" \t\u3000\xa0")
    while value and value[-1] in _PAIRS and value.count(_PAIRS[value[-1]]) < value.count(value[-1]):
        value = value[:-1].rstrip()
    while value and value[0] in _PAIRS.values() and value.count(value[0]) > sum(
        value.count(c) for c, o in _PAIRS.items() if o == value[0]
    ):
        value = value[1:].lstrip()
    value = value.strip(" \t\u3000\xa0")
    return value or None


def _unglued(value: str) -> str:
    """The value without a date or a widget's words run on after it (长江网调整字体)."""
    match = _GLUED.search(value)
    return value[: match.start()] if match and match.start() >= 2 else value


def labelled(pattern: re.Pattern[str], text: str | None) -> str | None:
    text = _matchable(text)
    if not text:
        return None
    match = pattern.search(" ".join(text.split()) if "\n" in text else text)
    return _clean(match.group("v")) if match else None


def source_from(text: str | None) -> str | None:
    """来源 value, or the whole text when it is a bare short name."""
    text = _matchable(text)
    found = source_label(text)
    if found or not text:
        return found
    bare = _clean(_unglued(" ".join(text.split())))
    return bare if bare and len(bare) <= 30 and ":" not in bare and "：" not in bare else None


def source_label(text: str | None) -> str | None:
    """The labelled 来源 value; source names hold no spaces, what follows one is other info."""
    found = labelled(SOURCE_LABEL, text)
    return _clean(_unglued(found.split()[0])) if found else None


@lru_cache(maxsize=64)
def site_reader(kind: str, words: tuple[str, ...]) -> Callable[[str | None], str | None] | None:
    """A reader for a site's own label words (a profile's [labels]): '值班主任：甲乙' where
    the site prints its editor so. `kind` is source, author or editor."""
    if not words:
        return None
    pattern = re.compile(rf"(?:{_alternation(words)})\s*{_MARK}\s*{_EMPTY}(?P<v>.+?){_STOP}")

    def read(text: str | None) -> str | None:
        found = labelled(pattern, text)
        if kind == "source":
            return _clean(_unglued(found.split()[0])) if found else None
        return _names(found)

    return read


def editor_from(text: str | None) -> str | None:
    """The editor a line names, the responsible one (责任编辑 / 责编) first."""
    found = strong_editor_from(text) or _names(labelled(EDITOR_LABEL, text))
    if found:
        return found
    line = EDITOR_LINE.match(_matchable(text) or "")
    return _names(line.group("n")) if line and line.group("n") else None


def strong_editor_from(text: str | None) -> str | None:
    """Only a 责任编辑 / 责编 value: the article's responsible editor."""
    found = labelled(STRONG_EDITOR_LABEL, text)
    return _names(found) if found else None


def author_from(text: str | None) -> str | None:
    """Author names from a labelled or reporter-prefixed line: '作者：X', '本报记者 林小川 苏 禾'."""
    text = _matchable(text)
    if not text:
        return None
    found = _names(labelled(AUTHOR_LABEL, text))
    if found:
        return found
    bare = text.replace("\u3000", " ").strip()
    if _REPORTER_PREFIX.match(bare) and len(bare) < 60:
        rest = _REPORTER_PREFIX.sub("", bare)
        # '记者从全会上获悉，…' is a sentence, not a byline: only names may follow.
        if _NAMES_ONLY.match(_TRAILING_CREDIT.sub("", rest)):
            return _names(rest)
    return None


_BARE_NAMES = re.compile(rf"^[{_CJK}A-Za-z·・ 　、,，&]{{2,30}}$")


def author_of_element(text: str | None) -> str | None:
    """An element that holds only the byline: its bare text is the author."""
    text = _matchable(text)
    found = author_from(text)
    if found or not text:
        return found
    bare = " ".join(text.split())
    return _names(bare) if _BARE_NAMES.match(bare) else None


# A byline printed as a line of its own: '新京报记者 林小川 苏禾', '□ 本报记者 林小川',
# '【文/某某网专栏作者 林小川】', '《周刊》作者 林小川', '文/林小川', '执笔/甲乙、丙丁&戊己'.
BYLINE_LINE = re.compile(
    rf"^[^\w《]*(?:(?:整合|采写|综合)\s+)?"
    rf"(?:{_OUTLET}{_ROLE}\s*{_MARK}?|(?:(?:文/图|图/文)\s*{_MARK}?|(?:文|执笔)\s*{_MARK})\s*(?:{_OUTLET}{_ROLE})?)\s*"
    rf"(?=[^)）】]*?[{_CJK}·A-Za-z]{{2}})(?![^)）】]*摄\s*[)）】]*$)"  # a real name; not a photo credit
    rf"{_NAMES}(?:\s+(?:文/图|图/文|报道|整合|整理))?[\s)）】\]]*$"
)


# An editor line of its own: '（责编：甲乙、丙丁）', '【编辑:甲乙】', '编辑/甲乙', '选稿：甲乙',
# '（某某网编辑 甲乙）', '编辑 甲乙 ｜ 排版 丙丁'. Without a colon only names may follow.
EDITOR_LINE = re.compile(
    rf"^[\s(（\[【]*[{_CJK}]{{0,12}}?(?:{_alternation(EDITOR_WORDS)})"
    rf"(?:\s*{_MARK}\s*\S.{{0,40}}?|\s+(?P<n>{_NAMES})(?:\s*[|｜].{{0,30}})?)[\s)）\]】。]*$"
)


def byline_author(text: str) -> str | None:
    text = _matchable(text)
    return author_from(text.strip(" (（【[)）】]")) or _names(_REPORTER_PREFIX.sub("", text.strip(" (（【[)）】]□■●◆")))


def _names(value: str | None) -> str | None:
    """Names joined with 、, or None when the value is not a list of names (a sentence)."""
    if not value:
        return None
    tokens: list[str] = []
    # A note in brackets beside a name is not part of it: 甲乙（实习生）, 甲乙(北京).
    value = re.sub(r"[（(][^（()）]{0,12}[)）]", " ", _unglued(value))
    for chunk in _NAME_SPLIT.split(value.strip()):
        chunk = chunk.strip()
        stripped = _REPORTER_PREFIX.sub("", chunk)
        if not stripped and chunk.endswith("评论员"):
            tokens.append(chunk)  # （某某日报评论员）: the commentator is the author
            continue
        latin = False  # the last token of this chunk was a Latin word
        for token in stripped.split():
            token = _CODE_SUFFIX.sub("", token)
            token = _without_affiliation(token)
            if token and token not in _NOT_NAMES and not _ROLE_TOKEN.match(token):
                word = _LATIN_WORD.fullmatch(token) is not None
                if word and latin:
                    tokens[-1] += " " + token
                else:
                    tokens.append(token)
                latin = word
    names: list[str] = []
    for token in tokens:
        # Two-character names are padded with spaces to line up with three: '苏  禾'.
        if len(token) == 1 and names and len(names[-1]) == 1:
            names[-1] += token
        else:
            names.append(token)
    people = [n for n in names if not _CODE.match(n)] or names
    if not people or not all(_CODE.match(n) or (re.fullmatch(_NAME, n) or _LATIN_NAME.fullmatch(n)) and len(n) > 1
                             or n.endswith("评论员") for n in people):
        return None
    return "、".join(people)


def _without_affiliation(token: str) -> str:
    if len(token) <= 5:
        return token
    for size in (2, 3):
        if _AFFILIATION.match(token[size:]) and _INSTITUTION_HEAD.match(token[size:]):
            return token[:size]
    return token[:3] if _AFFILIATION.match(token[3:]) else token


# A credit closing a paragraph: '…（绵阳日报社融媒体记者 甲乙 丙丁）', '（文/图 甲乙）'.
CLOSING_CREDIT = re.compile(
    r"[（(]\s*(?P<v>[^（()）]{0,14}?(?:记者|通讯员|作者|评论员|文/图|图/文|文\s*[/:：]|撰文|执笔)[^（()）]{0,30}?)\s*[)）][。.]?\s*$"
)
# Names alone in the last paragraph's closing brackets: '…（甲乙 丙丁）', '…(甲乙)'.
_CLOSING_NAMES = re.compile(rf"[（(]\s*(?P<v>[{_CJK}]{{2,3}}(?:[\s、]+[{_CJK}]{{2,3}}){{0,3}})\s*[)）][。.]?\s*$")
# Provinces and the largest cities, as bylines and info lines print them beside names.
PLACE = re.compile(
    r"^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州"
    r"|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|广州|深圳|武汉|成都|杭州|南京|西安|沈阳|长沙|郑州|济南"
    r"|青岛|大连|厦门|苏州|哈尔滨|长春|昆明|南宁|福州|合肥|南昌|太原|石家庄|兰州|贵阳|海口|拉萨|银川|西宁|乌鲁木齐|呼和浩特)$"
)
# An outlet, place or office in brackets is not a person: （新华社）, （某某县发改局）, （完）, （北京）.
_NOT_PERSON = re.compile(rf"(?:[社网报台局委办厅院会站所省市县区镇村部处队组团]|中心|新闻|公司|完|图|摄|组图)$|{PLACE.pattern}")


def closing_credit_author(paragraph: str, last: bool = False) -> str | None:
    """The credit closing a paragraph; names alone in brackets count only in the last one."""
    paragraph = _matchable(paragraph)
    match = CLOSING_CREDIT.search(paragraph)
    if match:
        return _names(match.group("v").replace("文/图", " ").replace("图/文", " "))
    match = _CLOSING_NAMES.search(paragraph) if last else None
    if match and not any(_NOT_PERSON.search(n) for n in match.group("v").split()):
        return _names(match.group("v"))
    return None


# A lead paragraph's dateline: '新华社北京5月13日电（记者 甲乙）…', '本报讯（记者甲乙 整合）…',
# '据新华社拉萨电（记者 甲乙）…', '某某网10月4日讯（记者甲乙 通讯员丙丁）…'.
DATELINE = re.compile(
    rf"^[^\w]*据?[{_CJK}·]{{1,16}}?(?:\d{{1,2}}月\d{{1,2}}日)?(?:电|讯)\s*[（(【\[]\s*"
    rf"(?P<v>[^（()）【】\[\]]{{0,12}}?{_ROLE}[^（()）【】\[\]]{{1,40}}?)\s*[)）】\]]"
)


# The same without brackets, each name set off by a space: '本报讯 记者甲乙 通讯员丙丁 近日，…'.
DATELINE_BARE = re.compile(
    rf"^[^\w]*据?[{_CJK}·]{{1,16}}?(?:\d{{1,2}}月\d{{1,2}}日)?(?:电|讯)\s+"
    rf"(?P<v>(?:{_ROLE}\s*[{_CJK}]{{2,4}}(?:[、\s][{_CJK}]{{2,4}})*\s+)+)(?=\S)"
)


def dateline_author(paragraph: str) -> str | None:
    text = _matchable(paragraph) or ""
    match = DATELINE.match(text) or DATELINE_BARE.match(text)
    if not match:
        return None
    value = re.sub(rf"{_ROLE}\s*", " ", match.group("v"))
    return _names(value)


def body_author(paragraphs: list[str]) -> str | None:
    """The byline the article's own text carries: a lead's dateline, else a closing credit."""
    for paragraph in paragraphs[:2]:
        found = dateline_author(paragraph)
        if found:
            return found
    closing = paragraphs[-2:]
    for index, paragraph in reversed(list(enumerate(closing))):
        found = closing_credit_author(paragraph, last=index == len(closing) - 1)
        if found:
            return found
    return None
