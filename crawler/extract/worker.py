"""The worker side of the extraction pool (crawler/extract/pool.py): what a spawned worker
process imports, so it imports the extractor and not Scrapy (half a worker's start-up)."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Callable, Union

from ..items import Article
from .engine import ExtractOptions, extract
from .page import NotArticle
from .profiles import Registry

# Every message on a worker's pipe is one pickle (never empty), except this one: "I am ready".
READY = b""
# Protocol 5: the newest this Python has, and bytes bodies go in as they are.
PROTOCOL = 5


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
    parent whole, whatever its constructor (unpickling calls it with the exception's args)."""
    try:
        return extract(body, url, content_type=content_type, options=options)
    except NotArticle as exc:
        return exc
    except Exception as exc:
        return ExtractionFailed(type(exc).__name__, traceback.format_exc())


# The worker process's options, set once by start_worker; or why they could not be.
_worker_options: ExtractOptions | ExtractionFailed | None = None


def serve(conn: Connection, options: ExtractOptions, profile_dirs: tuple[str, ...], task: Task) -> None:
    """A worker's life: say it is ready, then answer each page (body, url, content_type) the
    parent sends with the task's outcome, until the parent closes its end of the pipe or
    dies (the same end of file). One page at a time, so the parent always knows which page
    a dead worker had."""
    start_worker(options, profile_dirs)
    try:
        conn.send_bytes(READY)
        while True:
            args = pickle.loads(conn.recv_bytes())
            try:
                reply = pickle.dumps(task(*args), protocol=PROTOCOL)
            except Exception as exc:  # a task's own bug, or an outcome that does not pickle: this page only
                reply = pickle.dumps(ExtractionFailed(type(exc).__name__, traceback.format_exc()), protocol=PROTOCOL)
            conn.send_bytes(reply)
    except (EOFError, OSError):  # the parent closed the pool, or is gone
        return


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
    # The end of file on the pipe stops an idle worker; this stops one busy on a page, even
    # one stuck in it, when the parent dies (even by SIGKILL). The thread sleeps in the wait.
    multiprocessing.parent_process().join()
    os._exit(1)


def extract_in_worker(body: bytes, url: str, content_type: str | None) -> Outcome:
    if isinstance(_worker_options, ExtractionFailed):
        return _worker_options
    return attempt(body, url, content_type, _worker_options)


def extract_and_fingerprint_in_worker(body: bytes, url: str, content_type: str | None) -> Outcome:
    """extract_in_worker, and the article's dedup fingerprint (crawler/dedup/fingerprint.py:
    precompute) when the crawl deduplicates: 2 ms of a light page's CPU the reactor thread
    no longer spends."""
    # Imported here, not with the module: fingerprinting needs numpy, which the workers of a
    # crawl without dedup never load (a sixth of a worker's start-up).
    from ..dedup.fingerprint import precompute

    outcome = extract_in_worker(body, url, content_type)
    if isinstance(outcome, Article):
        precompute(outcome)
    return outcome
