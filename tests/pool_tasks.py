"""Worker tasks for tests/test_pool.py: a module of its own, so spawned workers import it
without importing the tests."""
import os
import signal
from unittest import mock

from crawler.extract import worker


class Picky(Exception):
    """Pickles, but does not unpickle: its constructor takes two arguments."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def _raise(*args, **kwargs):
    raise Picky("extractor bug", "on purpose")


def faulty(body: bytes, url: str, content_type: str | None):
    """The real worker task, except that extract() raises on .../raise and the worker
    process kills itself on .../die."""
    if url.endswith("/die"):
        os.kill(os.getpid(), signal.SIGKILL)
    if url.endswith("/raise"):
        with mock.patch.object(worker, "extract", _raise):
            return worker.extract_in_worker(body, url, content_type)
    return worker.extract_in_worker(body, url, content_type)
