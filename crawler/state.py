"""Where a crawl keeps what outlives it: the dedup store, the dates of incremental crawls,
the HTTP cache."""
from __future__ import annotations

from pathlib import Path

from scrapy.exceptions import NotConfigured
from scrapy.utils.project import data_path


def state_path(name: str) -> str:
    """`name` under the project's .scrapy folder, else under .scrapy in the working folder:
    a deployed egg, as Scrapyd runs it, has no scrapy.cfg to anchor .scrapy/, and the
    server's working folder is kept from one job to the next."""
    try:
        return data_path(name)
    except NotConfigured:
        return str(Path(".scrapy", name).absolute())  # absolute: data_path would look for scrapy.cfg again
