from scrapy_redis.dupefilter import RFPDupeFilter

from ..dedup.fingerprinter import UrlKeyFingerprinter


class UrlKeyRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, fingerprinting by our URL key (tracking parameters,
    scheme and mobile hosts folded), as REQUEST_FINGERPRINTER_CLASS does in one process."""

    _fingerprinter = UrlKeyFingerprinter()

    def request_fingerprint(self, request) -> str:
        return self._fingerprinter.fingerprint(request).hex()
