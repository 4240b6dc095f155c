"""What extract() decided and why, recorded only when asked (`scrapy explain`).

Tracing is off by default: every recording site is guarded by `notes is not None`, so an
untraced extraction builds no note and walks no extra tree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from . import dom


@dataclass(frozen=True)
class Note:
    """One decision: `kind` is "element" (an element dropped by a selector or widget class),
    "line" (a text line dropped by a named rule), "cut" (the rest of the body cut at a
    recommendation heading), "hidden" (an element the page hides), or "decision" (how the
    main block was found); `texts` are the lines it concerns."""

    kind: str
    rule: str
    texts: tuple[str, ...] = ()


def element_note(kind: str, rule: str, element: etree._Element) -> Note:
    """A note naming the text lines of an element about to be dropped."""
    return Note(kind, rule, tuple(b.text for b in dom.blocks_of(element, "") if b.kind != "img" and b.text))


@dataclass
class Trace:
    """Filled by extract(..., trace=Trace()): the stages tried, the one that chose the
    article (a profile name or "fallback"), or the NotArticle reason, and the notes of the
    draft that won (or of the last one tried, when the page was rejected)."""

    attempts: list[tuple[str, str]] = field(default_factory=list)  # (stage, why it failed)
    stage: str | None = None
    rejected: tuple[str, str] | None = None                          # (reason, detail)
    notes: list[Note] = field(default_factory=list)
    kept: list[dom.Block] = field(default_factory=list)
