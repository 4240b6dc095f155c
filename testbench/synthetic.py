"""A made-up people.cn, all in memory, for benchmarks and fault / resume tests.

The home page links LISTS list pages, which link the articles. Each article is the
people.cn fixture template with its own title and its own body of made-up sentences
(random common characters with Chinese punctuation), so no two look alike to dedup.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from . import FIXTURES_DIR

TEMPLATE = FIXTURES_DIR / "people" / "politics_n1" / "page.html"
LISTS = 100


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=GBK"


class SyntheticSite:
    """URL -> page, all in memory."""

    def __init__(self, articles: int) -> None:
        self.pages: dict[str, Page] = {}
        template = TEMPLATE.read_bytes().decode("gb18030")
        rng = random.Random(5)
        urls = [f"http://politics.people.com.cn/n1/2024/{1 + i // 500:02d}{1 + i % 28:02d}/c1001-{40000000 + i}.html"
                for i in range(articles)]
        for i, url in enumerate(urls):
            self.pages[_key(url)] = Page(article_page(template, f"基准测试文章第{i}号", rng).encode("gb18030"))
        per_list = -(-articles // LISTS)
        for n in range(LISTS):
            links = "".join(f'<li><a href="{u}">文章{n}-{j}</a></li>' for j, u in enumerate(urls[n * per_list:(n + 1) * per_list]))
            self.pages[_key(f"http://www.people.com.cn/GB/bench/index{n}.html")] = Page(
                f"<html><head><title>列表{n}</title></head><body><ul>{links}</ul></body></html>".encode("gb18030"))
        home = "".join(f'<a href="/GB/bench/index{n}.html">列表{n}</a>' for n in range(LISTS))
        self.pages[_key("http://www.people.com.cn/")] = Page(f"<html><body>{home}</body></html>".encode("gb18030"))

    def find(self, url: str) -> Page | None:
        return self.pages.get(_key(url))


def article_page(template: str, title: str, rng: random.Random) -> str:
    """The people.cn article template with `title` and a body of made-up sentences."""
    body = "".join(f"<p>{_sentence(rng)}</p>" for _ in range(8))
    page = re.sub(r"(<div class=\"rm_txt_con cf\">).*?(<div class=\"edit)", lambda m: m.group(1) + body + m.group(2),
                  template, count=1, flags=re.S)
    return re.sub(r"<h1>.*?</h1>", f"<h1>{title}</h1>", page, count=1, flags=re.S)


def _key(url: str) -> str:
    return url.split("://", 1)[1].split("#")[0]


_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def _sentence(rng: random.Random) -> str:
    """A made-up sentence: no two articles share enough of them to look alike."""
    clauses = ["".join(rng.choices(_CHARS, k=rng.randint(8, 18))) for _ in range(rng.randint(2, 4))]
    return "，".join(clauses) + "。"
