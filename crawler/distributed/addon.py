"""The switch: with REDIS_URL set, every spider runs on scrapy-redis.

    scrapy crawl people -s REDIS_URL=redis://10.0.0.5:6379/0 -o people-$(hostname).jsonl

Started on any number of machines, the processes share one request queue, one seen-
requests filter (fingerprinted by our URL key) and one dedup store, so each page is
fetched once and each article emitted once across all their feeds.
"""
from __future__ import annotations

from scrapy.settings import BaseSettings

REDIS_SETTINGS = {
    "SCHEDULER": "crawler.distributed.scheduler.RecoveringScheduler",
    "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.UrlKeyRedisDupeFilter",
    "SCHEDULER_PERSIST": True,
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "DEDUP_STORE": "crawler.distributed.store.RedisStore",
}


class RedisAddon:
    """ADDONS entry: a no-op unless REDIS_URL is set.

    It sets at "project" priority: these replace the project's single-process defaults
    (crawler/settings.py) but not what the command line says (-s beats them)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in REDIS_SETTINGS.items():
            settings.set(name, value, priority="project")
        # JOBDIR's journal is for one process; on Redis the scheduler recovers dead workers' pages.
        settings.set("RESUME_JOURNAL_ENABLED", False, priority="project")
        middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
        # Outermost (engine side of HttpErrorMiddleware): it sees every page's output, even none.
        middlewares["crawler.distributed.inflight.InflightMiddleware"] = 10
        settings.set("SPIDER_MIDDLEWARES", middlewares, priority="project")
