"""The worker side of the extraction pool (crawler/extract/pool.py): what a spawned worker
process imports, so it imports the extractor and not Scrapy (half a worker's start-up)."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
import traceback
from typing import Callable, Union

from ..items import Article
from .engine import ExtractOptions, extract
from .page import NotArticle
from .profiles import Registry


class ExtractionFailed(Exception):
    """extract() raised something other than NotArticle; `kind` is that exception's type name."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail

    def __reduce__(self):
        return type(self), (self.kind, self.detail)


Outcome = Union[Article, NotArticle, ExtractionFailed]
Task = Callable[[bytes, str, Union[str, None]], Outcome]


def attempt(body: bytes, url: str, content_type: str | None, options: ExtractOptions) -> Outcome:
    """extract()'s article, or its failure as a value: a worker's exception must reach the
    parent whole, whatever its constructor (concurrent.futures would re-raise it by calling it)."""
    try:
        return extract(body, url, content_type=content_type, options=options)
    except NotArticle as exc:
        return exc
    except Exception as exc:
        return ExtractionFailed(type(exc).__name__, traceback.format_exc())


# The worker process's options, set once by _start_worker; or why they could not be.
_worker_options: ExtractOptions | ExtractionFailed | None = None


def start_worker(options: ExtractOptions, profile_dirs: tuple[str, ...]) -> None:
    global _worker_options
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: it is the crawl's to handle
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        _worker_options = dataclasses.replace(options, registry=Registry.load(*profile_dirs))
    except Exception as exc:
        # The spider loaded the same folders, so they changed since. Raising here would kill
        # the worker, and every new one, at every page: each page is counted instead.
        _worker_options = ExtractionFailed(type(exc).__name__, f"loading the profiles in a worker: {exc}")


def _exit_with_parent() -> None:
    # The parent holds the other end of this pipe until it has joined the worker; it closes
    # when the parent dies, even by SIGKILL, which leaves no one to shut the executor down.
    multiprocessing.parent_process().join()
    os._exit(1)


def extract_in_worker(body: bytes, url: str, content_type: str | None) -> Outcome:
    if isinstance(_worker_options, ExtractionFailed):
        return _worker_options
    return attempt(body, url, content_type, _worker_options)


def ready() -> None:
    """Nothing: submitted once per worker when the crawl opens, so that each starts then."""
