"""Test-only resolver: names in TEST_LOOPBACK_NAMES resolve as the system resolves `localhost`.

A name that resolves to 127.0.0.1 without being spelled like a local one, as a DNS record
pointing at a private address (or a rebinding attack) is; /etc/hosts is not ours to edit.
Only the lookup is replaced: the check of `crawler.safety.GuardedResolver` runs as in a crawl.
"""
from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from crawler.safety import GuardedResolver


class LoopbackNamesResolver(GuardedResolver):
    names: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "LoopbackNamesResolver":
        resolver = super().from_crawler(crawler, reactor)
        resolver.names = {name.lower() for name in crawler.settings.getlist("TEST_LOOPBACK_NAMES")}
        return resolver

    def lookup(self, name: str, timeout: Any = ()) -> Deferred[str]:
        return super().lookup("localhost" if name.lower() in self.names else name, timeout)
