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

# News sites link deep; list pages two hops from the start are enough for one run.
DEPTH_LIMIT = 3
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractionStatsPipeline": 100,
}

# JSON Lines with real characters, not \u escapes.
FEED_EXPORT_ENCODING = "utf-8"

# Extraction: "t2s" converts Traditional to Simplified; "keep" leaves the page's script.
EXTRACT_SCRIPT = "t2s"
# Extra folders of site-profile TOML files, loaded after the bundled ones.
EXTRACT_PROFILE_DIRS: list[str] = []
