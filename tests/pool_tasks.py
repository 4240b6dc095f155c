"""Worker tasks for tests/test_pool.py: a module of its own, so spawned workers import it
without importing the tests."""
import os
import signal
from pathlib import Path
from unittest import mock

from crawler.extract import worker


class Picky(Exception):
    """Pickles, but does not unpickle: its constructor takes two arguments."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def _raise(*args, **kwargs):
    raise Picky("extractor bug", "on purpose")


def faulty(body: bytes, url: str, content_type: str | None):
    """The real worker task, except that extract() raises on .../raise, the worker process
    kills itself on .../die, and on .../die-once?<file> only if that file does not exist
    yet (it creates it first: the next worker to get the page extracts it)."""
    if url.endswith("/die"):
        os.kill(os.getpid(), signal.SIGKILL)
    if "/die-once?" in url:
        marker = Path(url.split("?", 1)[1])
        if not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
    if url.endswith("/raise"):
        with mock.patch.object(worker, "extract", _raise):
            return worker.extract_in_worker(body, url, content_type)
    return worker.extract_in_worker(body, url, content_type)
