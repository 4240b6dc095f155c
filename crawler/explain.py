"""One self-contained HTML page that shows why extract() kept or dropped each text block.

The verdicts come from the extractor's own trace (crawler.extract.trace), never from a
second extraction: every line of the page is shown with the note that names the rule or
decision that dropped it, or as kept in the article.
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from .extract import ExtractOptions, NotArticle, extract
from .extract.dom import blocks_of, compact
from .extract.page import Page
from .extract.trace import Trace
from .items import Article

# verdict -> (label, background colour); the order is the precedence when a line's text
# is concerned by several notes (kept text first: a line printed twice is shown as kept).
VERDICTS = {
    "kept": ("kept: in the article", "#d4f5d4"),
    "headline": ("the headline (title field)", "#d6e6ff"),
    "line": ("dropped by a line rule", "#ffe2b8"),
    "cut": ("cut: after a recommendation heading", "#ecd9ff"),
    "element": ("dropped with its element", "#ffd0d0"),
    "hidden": ("hidden by the page", "#e4e4e4"),
    "outside": ("outside the article block", "#f5f5f5"),
    "rejected": ("page rejected: not an article", "#f0f0f0"),
}
_FIELDS = ("title", "published_at", "source", "author", "editor")
_PICKS = {"fallback:prose": "the densest prose block, which holds the first prose after the headline (readability not run)",
          "fallback:density": "the densest prose block (readability's pick was much shorter)",
          "fallback:headline": "the container the headline opens (readability found nothing that holds it)"}


@dataclass
class Line:
    text: str
    verdict: str
    rule: str = ""


def explain(body: bytes, url: str, options: ExtractOptions = ExtractOptions()) -> str:
    """The report for one page, as an HTML document."""
    trace = Trace()
    try:
        article: Article | None = extract(body, url, options=options, trace=trace)
    except NotArticle:
        article = None
    return render(url, article, trace, page_lines(body, url, article, trace))


def page_lines(body: bytes, url: str, article: Article | None, trace: Trace) -> list[Line]:
    """Every text line of the page, with the verdict of the first note that concerns it."""
    try:
        page = Page.load(body, url)
    except NotArticle:
        return []
    body_element = page.root.find(".//body")
    verdicts: dict[str, tuple[str, str]] = {}

    def claim(texts, verdict: str, rule: str = "") -> None:
        for text in texts:
            verdicts.setdefault(compact(text), (verdict, rule))

    claim((b.text for b in trace.kept if b.kind != "img"), "kept")
    if article is not None:
        claim([article.title], "headline")
    for kind in ("line", "cut", "element", "hidden"):
        for note in (n for n in trace.notes if n.kind == kind):
            claim(note.texts, kind, note.rule)
    fallback = "rejected" if article is None else "outside"
    lines = []
    for block in blocks_of(body_element if body_element is not None else page.root, url):
        if block.kind == "img" or not compact(block.text):
            continue
        verdict, rule = verdicts.get(compact(block.text), (fallback, ""))
        lines.append(Line(block.text, verdict, rule))
    return lines


def stage_of(article: Article | None, trace: Trace) -> str:
    """Which stage chose the article, or why the page was rejected, in one sentence."""
    if article is None:
        reason, detail = trace.rejected or ("unknown", "")
        return f"Rejected: {reason} ({detail})"
    if article.extractor != "readability":
        return f"Chosen by the site profile {article.extractor!r}"
    pick = next((why for key, why in _PICKS.items() if key in article.noise_removed), "readability's pick")
    return f"Chosen by the fallback (no profile served the page): {pick}"


def render(url: str, article: Article | None, trace: Trace, lines: list[Line]) -> str:
    esc = html.escape
    fields = "".join(
        f'<tr><th>{name}</th><td class="field-{name}">{esc(str(getattr(article, name, None) or "—"))}</td></tr>'
        for name in _FIELDS
    )
    tried = "".join(f"<li>profile {esc(name)} failed: {esc(why)}</li>" for name, why in trace.attempts)
    decisions = "".join(f"<li><b>{esc(n.rule)}</b>: {esc('; '.join(n.texts))}</li>" for n in trace.notes if n.kind == "decision")
    counts = Counter(line.verdict for line in lines)
    legend = "".join(
        f'<span class="v-{key}">{esc(label)}: {counts[key]}</span>' for key, (label, _) in VERDICTS.items() if counts[key]
    )
    rows = "".join(
        f'<div class="block v-{line.verdict}" data-verdict="{line.verdict}" data-rule="{esc(line.rule)}">'
        f'<div class="why">{esc(VERDICTS[line.verdict][0])}{": " + esc(_rule_label(line)) if line.rule else ""}</div>'
        f'<div class="text">{esc(line.text)}</div></div>'
        for line in lines
    )
    colours = "".join(f".v-{key}{{background:{colour}}}" for key, (_, colour) in VERDICTS.items())
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>explain: {esc(url)}</title>
<style>
body{{font:15px/1.5 sans-serif;margin:1.5em auto;max-width:60em;padding:0 1em}}
table{{border-collapse:collapse}} th{{text-align:left;padding-right:1em;color:#555}}
.legend span{{display:inline-block;margin:0 .4em .4em 0;padding:.1em .5em;border-radius:3px}}
.block{{margin:.3em 0;padding:.3em .6em;border-radius:3px;border-left:4px solid #999}}
.v-kept{{border-left-color:#2a2}} .why{{font-size:12px;color:#444;font-family:monospace}}
{colours}
</style></head><body>
<h1>Why this page extracts as it does</h1>
<p class="url">{esc(url)}</p>
<p class="stage" id="stage">{esc(stage_of(article, trace))}</p>
<table class="fields">{fields}</table>
{f'<ul class="attempts">{tried}</ul>' if tried else ''}
{f'<h2>Decisions</h2><ul class="decisions">{decisions}</ul>' if decisions else ''}
<h2>Every text block of the page</h2>
<p class="legend">{legend}</p>
<div class="blocks">{rows}</div>
</body></html>
"""


def _rule_label(line: Line) -> str:
    return f"selector {line.rule}" if line.verdict == "element" else line.rule
