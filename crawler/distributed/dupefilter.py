from scrapy_redis.dupefilter import RFPDupeFilter

from ..dedup.fingerprinter import UrlKeyFingerprinter


class UrlKeyRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, fingerprinting by our URL key (tracking parameters,
    scheme and mobile hosts folded), as REQUEST_FINGERPRINTER_CLASS does in one process.

    A page links the same pages over and over; what this process already knows is seen
    is answered here, without a Redis round trip (the shared set only grows in a crawl)."""

    _fingerprinter = UrlKeyFingerprinter()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known: set[str] = set()

    def request_fingerprint(self, request) -> str:
        return self._fingerprinter.fingerprint(request).hex()

    def request_seen(self, request) -> bool:
        fingerprint = self.request_fingerprint(request)
        if fingerprint in self.known:
            return True
        self.known.add(fingerprint)
        return self.server.sadd(self.key, fingerprint) == 0

    def clear(self) -> None:
        self.known.clear()
        super().clear()
