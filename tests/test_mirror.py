"""Mirror pages, built from our fixtures the way the seeds show them: the article turned
Traditional, pinyin glosses after characters, SEO link spam appended, UTF-8 bytes under
the original gb2312 meta, served from a foreign host. They must come out as the clean
Simplified article."""
import json
import re
from dataclasses import asdict

import pytest
from opencc import OpenCC

from crawler.evaluation import body_prf, title_match
from crawler.extract import extract
from crawler.extract.chinese import to_simplified
from crawler.extract.decode import decode_html
from tests.conftest import fixture_id, fixture_pages

# Glosses as the seeds print them: 產業(yè), 地區(qū), 發(fā)展.
GLOSSES = {"業": "yè", "區": "qū", "發": "fā", "創": "chuàng", "環": "huán", "統": "tǒng", "鄉": "xiāng",
           "鎮": "zhèn", "聯": "lián", "協": "xié", "優": "yōu", "續": "xù", "設": "shè", "實": "shí",
           "點": "diǎn", "戰": "zhàn", "經": "jīng", "濟": "jì", "態": "tài", "為": "wèi"}
SPAM = "韶山市| 乐清市| 景德镇市| 宝清县| 涪陵区| 浦县| 渝中区| 田阳县| 陆川县| 三原县| 三江| 永胜县| 论坛| 买车| 彩票|"
MIRROR_URL = "http://www.mirror-news.example/html/2024/0309/{}.html"
ARTICLES = [f for f in fixture_pages("article") if f.parent.name != "fallback"]


def make_mirror(page: bytes) -> bytes:
    text, _ = decode_html(page)
    text = OpenCC("s2t").convert(text)
    # Glosses go into text, never into tags.
    parts = re.split(r"(<[^>]*>)", text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub("[%s]" % "".join(GLOSSES), lambda m: f"{m.group()}({GLOSSES[m.group()]})", parts[i])
    text = "".join(parts)
    spam = f"<p>{OpenCC('s2t').convert(SPAM)}</p>"
    closing = text.rfind("</p>")
    text = text[: closing + 4] + spam + text[closing + 4:]
    text = re.sub(r"</body>", f"<div>{SPAM}</div></body>", text, count=1, flags=re.I)
    return text.encode("utf-8")


@pytest.mark.parametrize("folder", ARTICLES, ids=fixture_id)
def test_mirror_comes_out_clean_and_simplified(folder):
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    page = (folder / "page.html").read_bytes()
    mirror = make_mirror(page)
    assert any(f"{c}({p})" in mirror.decode("utf-8") for c, p in GLOSSES.items())  # glosses are in
    article = asdict(extract(mirror, MIRROR_URL.format(folder.name)))
    original = asdict(extract(page, json.loads((folder / "meta.json").read_text("utf-8"))["url"]))
    for field in ("title", "content", "source", "author", "editor"):
        value = article[field] or ""
        assert not re.search(r"[\u4e00-\u9fff]\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", value), field
        assert to_simplified(value) == value, (field, value[:80])
    assert "|" not in article["content"]
    assert title_match(article["title"], expected["title"])
    mirror_f1 = body_prf(article["content"], expected["content"]).f1
    original_f1 = body_prf(original["content"], expected["content"]).f1
    assert mirror_f1 >= original_f1 - 0.05
    assert article["language"] == "zh-Hans"


def test_keep_script_leaves_traditional_and_says_so():
    from crawler.extract import ExtractOptions

    folder = ARTICLES[0]
    article = extract(make_mirror((folder / "page.html").read_bytes()), MIRROR_URL.format("keep"),
                      options=ExtractOptions(script="keep"))
    assert article.language == "zh-Hant"
    assert to_simplified(article.content) != article.content
    assert "(yè)" not in article.content and "(qū)" not in article.content
