"""Misbehaving pages for the fixture proxy: what a crawl of thousands of pages meets.

A `Fault` wraps a page and serves it badly: error statuses (for the first `times`
requests, or always), 429 with Retry-After, connection resets, hangs, trickles,
Content-Length lies, redirect loops and gzip bombs. Used by the fault tests and by
`scrapy robustness`.
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

KINDS = ("status", "retry-after", "reset", "hang", "trickle", "short-body", "redirect-loop", "gzip-bomb")


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """64 MiB of zeros, gzipped to about 64 KiB: twice DOWNLOAD_MAXSIZE once inflated."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


@dataclass
class Fault:
    kind: str
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 503
    times: int | None = None          # misbehave this many times, then serve the page; None: always
    delay: float = 0.0                # hang / trickle pace, seconds
    served: int = field(default=0, init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def serve(self, handler, send_body: bool) -> None:
        with self.lock:
            self.served += 1
            failing = self.times is None or self.served <= self.times
        if not failing:
            return _send(handler, 200, self.body, self.content_type, send_body)
        getattr(self, "_" + self.kind.replace("-", "_"))(handler, send_body)

    def _status(self, handler, send_body: bool) -> None:
        _send(handler, self.status, b"<html><body>error</body></html>", "text/html", send_body)

    def _retry_after(self, handler, send_body: bool) -> None:
        _send(handler, 429, b"slow down", "text/plain", send_body, {"Retry-After": str(int(self.delay or 1))})

    def _reset(self, handler, send_body: bool) -> None:
        sock = handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        handler.close_connection = True
        sock.close()

    def _hang(self, handler, send_body: bool) -> None:
        time.sleep(self.delay)
        handler.close_connection = True

    def _trickle(self, handler, send_body: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        step = max(1, len(self.body) // 10)
        for start in range(0, len(self.body), step):
            handler.wfile.write(self.body[start:start + step])
            handler.wfile.flush()
            time.sleep(self.delay)

    def _short_body(self, handler, send_body: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(self.body) + 5000))
        handler.end_headers()
        handler.wfile.write(self.body[: len(self.body) // 2])
        handler.close_connection = True

    def _redirect_loop(self, handler, send_body: bool) -> None:
        handler.send_response(302)
        handler.send_header("Location", handler._url())
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _gzip_bomb(self, handler, send_body: bool) -> None:
        _send(handler, 200, gzip_bomb(), "text/html", send_body, {"Content-Encoding": "gzip"})


def _send(handler, status: int, body: bytes, content_type: str, send_body: bool, headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if send_body:
        handler.wfile.write(body)
