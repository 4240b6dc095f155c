"""The one item every spider emits."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """An article record. itemadapter handles dataclasses, so pipelines and feed
    exports treat it like any Scrapy item.

    Fields whose raw and normalised forms differ keep the normalised value here;
    `published_at_raw` keeps the text the date was read from.
    """

    url: str                         # the URL the page was fetched from
    canonical_url: str               # <link rel=canonical> when present, else url
    site: str                        # "people", "netease", "municipal:ziyang", "generic", ...
    title: str                       # headline, without the site name
    content: str                     # plain text, one paragraph a line
    content_html: str                # cleaned article HTML: p, h3, figure/img/figcaption only
    extractor: str                   # profile name, or "readability" for the fallback
    published_at: str | None = None  # ISO 8601, +08:00; date only when the page shows only a date
    published_at_raw: str | None = None
    source: str | None = None        # 来源
    author: str | None = None        # 作者 / 记者, several joined with 、
    editor: str | None = None        # 责编 / 责任编辑 / 编辑
    images: list[dict] = field(default_factory=list)  # {"url": absolute, "caption": str | None}
    # {"url": absolute, "name": link text, "type": "pdf"}; with FILES_STORE also "path", "checksum"
    attachments: list[dict] = field(default_factory=list)
    # 政府信息公开 block: index_number, topic, issuer, written_at, document_number, valid (those shown)
    document: dict[str, str] = field(default_factory=dict)
    pages: int = 1                   # pages of a multi-page article merged into this item
    pages_missing: list[str] = field(default_factory=list)  # continuation pages that could not be fetched
    language: str = "zh-Hans"        # zh-Hans after t2s conversion; zh-Hant when the original script is kept
    crawled_at: str | None = None    # ISO 8601 UTC, set by the spider
    noise_removed: dict[str, int] = field(default_factory=dict)  # noise rule name -> times fired
    duplicate_of: str | None = None  # with DEDUP_KEEP_DUPLICATES: the URL of the article this repeats
