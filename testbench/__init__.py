"""The test bench: what the tests, the benchmarks and the checkout's demo commands use to
exercise the crawler, never the crawler itself.

It lives beside `crawler/` in the checkout and is not packaged: the wheel and the Scrapyd
egg hold `crawler` only. Inside:

- fixtureproxy.py: the HTTP(S) proxy on 127.0.0.1 that answers the sites' real URLs from
  fixtures/ (self-signed certificates made with `cryptography`, in the test extra; Scrapy
  brings it too, through pyOpenSSL);
- faults.py: misbehaving pages the proxy serves (error statuses, resets, hangs, bombs);
- synthetic.py, growingsite.py: made-up sites (a people.cn of N articles; a site that grows
  every simulated day) for the crawl, resume, distributed and incremental tests;
- localservers.py: real redis-server and Scrapyd processes on free ports of 127.0.0.1;
- robustness.py: the drills `scrapy robustness` runs and the tests assert;
- kills.py: a crawl that SIGKILLs itself between an article's feed line and its dedup commit;
- commands/: `scrapy offline` and `scrapy robustness`, which crawler/commands/ lists only
  where this package is importable (a checkout).
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = ROOT / "fixtures"
