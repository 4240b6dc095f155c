"""A request fingerprinter that folds URL variants, so Scrapy's own dupefilter sees
`?spm=...`, http/https and mobile-host copies of a page as one request."""
from __future__ import annotations

import hashlib

from scrapy import Request

from .urls import url_key


class UrlKeyFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: method, canonical URL key and body."""

    @classmethod
    def from_crawler(cls, crawler) -> "UrlKeyFingerprinter":
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        digest = hashlib.sha1()
        digest.update(request.method.encode())
        digest.update(url_key(request.url).encode())
        digest.update(request.body or b"")
        return digest.digest()
