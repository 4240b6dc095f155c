from scrapy_redis.dupefilter import RFPDupeFilter

from ..dedup.fingerprinter import UrlKeyFingerprinter


class UrlKeyRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, fingerprinting by our URL key (tracking parameters,
    scheme and mobile hosts folded), as REQUEST_FINGERPRINTER_CLASS does in one process.

    `known` holds what this process already knows is seen: a page links the same pages
    over and over, and the scheduler answers those without a Redis round trip before its
    atomic check-and-push (scheduler.py). The shared set only grows during a crawl."""

    _fingerprinter = UrlKeyFingerprinter()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known: set[str] = set()

    def request_fingerprint(self, request) -> str:
        return self._fingerprinter.fingerprint(request).hex()

    def clear(self) -> None:
        self.known.clear()
        super().clear()
