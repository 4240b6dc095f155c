"""Scrapy settings for the crawler project.

Only what differs from Scrapy's defaults, each with the reason.
"""

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Polite by default: an honest User-Agent, robots.txt obeyed, AutoThrottle on.
USER_AGENT = "cn-article-crawler/0.1 (+https://github.com/cn-article-crawler; boilerplate-stripping news crawler)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4

# The outputs of one response processed at once. Under the asyncio reactor Scrapy starts this
# many tasks for every response, whatever it yields (scrapy.utils.asyncio._parallel_asyncio),
# and each parks and wakes once more when the callback awaits (the extraction pool): at the
# default 100 that was 5-6 ms of the reactor thread's CPU a page, as much as extracting a
# light page. Our callbacks yield one item and its links; 8 keeps a page's links moving while
# its item waits for its attachments (README, Speed).
CONCURRENT_ITEMS = 8

# News sites link deep; list pages two hops from the start are enough for one run.
DEPTH_LIMIT = 3
# Faults: a slow or dead server costs 30 s, not Scrapy's 180; a failing page is tried 3 more
# times; a body (or a decompressed gzip bomb) over 32 MB is dropped; Retry-After is honoured.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 3
RETRY_AFTER_MAX = 60

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractionStatsPipeline": 100,
    "crawler.dedup.pipeline.DedupPipeline": 300,
    # After dedup, so a duplicate's documents are not fetched; off unless FILES_STORE is set.
    "crawler.pipelines.AttachmentFilesPipeline": 400,
}
# Attachments (附件) are fetched and stored only when FILES_STORE names a folder or bucket.
FILES_STORE = None
DOWNLOADER_MIDDLEWARES = {
    "crawler.resume.ResumeFailureMiddleware": 10,  # the JOBDIR journal: see "Resumable crawls" below
    "crawler.dedup.middleware.SeenUrlMiddleware": 50,
    "crawler.retryafter.RetryAfterMiddleware": 560,  # sees 429 / 503 before RetryMiddleware (550)
    # After HttpProxyMiddleware (750): it must know which requests go through a proxy; its
    # refused lookups reach it before RetryMiddleware (550), which would retry them.
    "crawler.safety.AddressGuardMiddleware": 760,
    # Above the retry middlewares (Scrapy's default, 900, is below them): a list page that
    # fails is retried first, and only then answered from the cache's stored copy.
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": 540,
}
# The dupefilter folds ?spm=..., http/https and mobile-host variants of one page.
REQUEST_FINGERPRINTER_CLASS = "crawler.dedup.fingerprinter.UrlKeyFingerprinter"

# JSON Lines with real characters, not \u escapes.
FEED_EXPORT_ENCODING = "utf-8"

# The generic spider connects to global addresses only (crawler/safety.py) unless allowed: IP
# literals in any spelling and local-only names are refused per request, redirect hops included,
# and names by the resolver Twisted connects with, so a second lookup cannot answer differently.
GENERIC_ALLOW_PRIVATE = False
TWISTED_DNS_RESOLVER = "crawler.safety.GuardedResolver"

# Extraction: "t2s" converts Traditional to Simplified; "keep" leaves the page's script.
EXTRACT_SCRIPT = "t2s"
# Pages larger than this are refused (extract/rejected/too_large), whatever DOWNLOAD_MAXSIZE allows.
EXTRACT_MAX_BYTES = 16 * 1024 * 1024
# Extra folders of site-profile TOML files, loaded after the bundled ones.
EXTRACT_PROFILE_DIRS: list[str] = []
# Extraction is CPU work (3-55 ms a page) that in the reactor thread caps a crawl at one
# core: N worker processes extract instead (crawler/extract/pool.py), 0 keeps it in the
# reactor thread. "auto": one worker per core this process may use (its affinity mask), at
# most CONCURRENT_REQUESTS, and 0 on a single core, where workers only add pickling. On 2
# free cores the pool gave 1.70-2.01x pages/s on an extraction-bound site of 2,729 pages and
# 1.11-1.26x on a light one (README, Speed); on a loaded machine, where the crawl had 1.3-1.5
# cores, 1.16-1.34x and 0.99-1.45x; on a machine whose cores other work takes, 0 is faster.
# Pages wait for a worker in the scraper, so CONCURRENT_REQUESTS and
# SCRAPER_SLOT_MAX_ACTIVE_SIZE bound their memory as before; each worker is a Python process.
EXTRACT_WORKERS = "auto"

# Deduplication (crawler/dedup/). The store persists across runs: .scrapy/dedup.sqlite.
DEDUP_ENABLED = True
DEDUP_STORE = "crawler.dedup.store.SQLiteStore"
DEDUP_STORE_PATH = None               # default: .scrapy/dedup.sqlite in the project
DEDUP_URL_TTL_DAYS = 30               # an article URL counts as seen this long; 0: forever
DEDUP_KEEP_DUPLICATES = False         # True: emit duplicates, marked with duplicate_of
DEDUP_NEAR_JACCARD = 0.45             # MinHash Jaccard of 2-gram shingles that makes a near-duplicate
DEDUP_NEAR_CONTAINMENT = 0.85         # ... or this much of the shorter text contained in the other
DEDUP_NEAR_MIN_SHINGLES = 150         # containment counts only for texts at least this long

EXTENSIONS = {
    "crawler.drift.DriftMonitor": 500,  # template drift: see DRIFT_* below
    # Owns the dedup store that SeenUrlMiddleware and DedupPipeline share, and closes it.
    "crawler.dedup.runtime.DedupStoreExtension": 100,
    # The JOBDIR journal shared by the dupefilter and both resume middlewares (crawler/resume.py).
    "crawler.resume.Journal": 100,
}
# Template drift (crawler/drift.py): warn when a profile fails on more than this share of
# its article pages (at least DRIFT_MIN_PAGES of them); DRIFT_FAIL makes `scrapy crawl` exit 2.
DRIFT_WARN_RATE = 0.3
DRIFT_MIN_PAGES = 10
DRIFT_FAIL = False

# Resumable crawls: with JOBDIR set, a journal is the seen-requests filter, knows which pages
# are finished and schedules again what a killed run lost (crawler/resume.py); local feed files
# lose a half-written last line before appending. Both middlewares sit on the engine side of
# every other, to see every page's outcome (404s, ignored and failed requests included).
SPIDER_MIDDLEWARES = {"crawler.resume.ResumeJournalMiddleware": 10}
DUPEFILTER_CLASS = "crawler.resume.JournalDupeFilter"
# JOBDIR's default file queues come back corrupt after a SIGKILL (a half-written header
# stops the resumed crawl); SQLite queues commit every push and pop.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleLifoSQLiteQueue"
# Every feed scheme reports what it really stored (crawler/feeds.py): an article counts as
# seen by the dedup store only once every feed holds it, and a failed feed makes
# `scrapy crawl` exit 3 with one error line instead of a traceback per item.
FEED_STORAGES = {
    "": "crawler.feeds.SafeFileFeedStorage",
    "file": "crawler.feeds.SafeFileFeedStorage",
    "ftp": "crawler.feeds.ReportingFTPFeedStorage",
    "ftps": "crawler.feeds.ReportingFTPFeedStorage",
    "s3": "crawler.feeds.ReportingS3FeedStorage",
    "gs": "crawler.feeds.ReportingGCSFeedStorage",
    "stdout": "crawler.feeds.ReportingStdoutFeedStorage",
}

# Distributed crawling (crawler/distributed/): set REDIS_URL (e.g. -s REDIS_URL=redis://host:6379/0)
# and every spider runs on scrapy-redis, sharing queue, seen-filter and dedup store.
ADDONS = {"crawler.distributed.addon.RedisAddon": 0}
REDIS_URL = None
REDIS_WORKER_TTL = 10             # s without a heartbeat before a worker is dead and its pages re-queued
REDIS_IDLE_BEFORE_CLOSE = 15      # s an idle worker waits for work before it closes
REDIS_FLUSH_ON_FINISH = True      # the last worker to finish clears the shared queue and seen-filter
# The shared seen-requests filter. "set": exact, ~90 bytes of Redis memory a URL (~9 GB at
# 10^8). "bloom": fixed memory (1.8 MB per 10^6 URLs at 0.001), but a URL taken for seen by
# mistake is a page silently never fetched, at the error rate below (logged at start).
REDIS_SEEN_FILTER = "set"
REDIS_BLOOM_CAPACITY = 100_000_000   # URLs the filter is sized for; beyond them the rate climbs
REDIS_BLOOM_ERROR_RATE = 0.0001      # false-positive rate at capacity: pages lost per new URL


# Incremental crawls (crawler/incremental.py). List, feed and sitemap pages are kept in Scrapy's
# HTTP cache, in .scrapy/httpcache beside the dedup store, and revalidated on every run
# (If-Modified-Since / If-None-Match): an unchanged one costs a 304, not its body. On by default
# because the daily re-crawl is the common run and a 304 never hides a change. Only requests the
# spiders mark as list pages are cached (RevalidatePolicy): article pages never are, so no stale
# article is served as new; the dedup store is what skips articles already emitted.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.incremental.RevalidatePolicy"
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_STORAGE = "crawler.incremental.StateCacheStorage"  # .scrapy/httpcache under Scrapyd too
HTTPCACHE_GZIP = True  # list pages are repetitive HTML: a fraction of the disk
# Dates of articles found older than a run's -a since window (never emitted, so not in the dedup
# store): a later run skips them unfetched. Default: .scrapy/published.sqlite.
INCREMENTAL_DATES_PATH = None
