"""Address safety: a guarded spider (the generic one) connects to public addresses only.

Two checks, each on what the connection really uses:

- `AddressGuardMiddleware`, a downloader middleware, so every request passes it, start
  URLs, pushed ones, followed links, robots.txt and every redirect hop (a redirect is a new
  request). It refuses hosts that are IP literals of a non-global address in any spelling
  the system resolver accepts, and local-only names.
- `GuardedResolver`, Scrapy's caching resolver (TWISTED_DNS_RESOLVER), refuses a name whose
  address is not global. Twisted connects to the address this lookup returns, so no second
  lookup can answer differently (DNS rebinding).

Behind an http(s) proxy Scrapy connects to the proxy, which resolves the target itself: the
proxy host (the user's own configuration) is allowed, targets get the first check only.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from weakref import WeakKeyDictionary
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from scrapy.utils.url import add_http_if_no_scheme
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def _normal(host: str) -> str:
    """As Scrapy will request it: IDNA (`ｌｏｃａｌｈｏｓｔ` is localhost, `①②⑦.0.0.1` 127.0.0.1), lower
    case, no brackets, no final dot (`localhost.` and `127.0.0.1.` are what they look like)."""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # not a valid IDNA name: judged as spelled
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host spells, if it is an IP literal; None for a name.

    IPv4 is parsed by `inet_aton`, as the system resolver does: `127.1`, `0x7f000001`,
    `2130706433` and `0177.0.0.1` are all 127.0.0.1 to it."""
    host = _normal(host)
    try:
        if ":" in host:
            return ipaddress.IPv6Address(host)
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def host_refusal(host: str) -> str | None:
    """Why a URL host must not be connected to, judged from its spelling alone.

    None for a global IP literal and for any other name: the resolver judges those."""
    name = _normal(host)
    address = ip_literal(name)
    if address is not None:
        # is_global is False for private, loopback, link-local, 100.64/10, 0.0.0.0, reserved,
        # and for IPv4-mapped IPv6 (::ffff:127.0.0.1), the one IPv6 form gethostbyname takes.
        return None if address.is_global else "private-address"
    if not name:
        return "private-address"  # Twisted resolves an empty host to 0.0.0.0
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        return "private-name"
    return None


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's default resolver that, once armed, fails names resolving to non-global addresses.

    It is process-wide (built from the process's settings before any spider), so
    `AddressGuardMiddleware` arms it on the first request of a guarded spider."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.armed = False
        self.proxy_hosts: set[str] = set()    # the configured proxies: allowed, whatever they resolve to
        self.refused: dict[str, str] = {}     # name -> the address it was refused for
        self.name_resolver: Any = None

    def install_on_reactor(self) -> None:
        super().install_on_reactor()
        # installResolver wraps us in the IHostnameResolver that HostnameEndpoint asks; a later
        # installNameResolver would bypass us, so the middleware checks this is still the one.
        self.name_resolver = self.reactor.nameResolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
        return self.lookup(name, timeout).addCallback(self._checked, name)

    def lookup(self, name: str, timeout: Any = ()) -> Deferred[str]:
        """The system lookup (cached); apart from the check so a test can map a name."""
        return super().getHostByName(name, timeout)

    def _checked(self, address: str, name: str) -> str:
        name = name.lower()
        if self.armed and name not in self.proxy_hosts and not ipaddress.ip_address(address).is_global:
            self.refused[name] = address
            raise DNSLookupError(f"{name} resolves to {address}, not a public address")
        return address


class Refusals:
    """Counts each refused request under `generic/refused/<reason>`; logs each host once.

    One per crawler (`Refusals.of`): the spider refuses pushed URLs, the middleware the rest."""

    _by_crawler: WeakKeyDictionary[Any, "Refusals"] = WeakKeyDictionary()

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler  # its stats exist only once the crawl starts
        self.logged: set[str] = set()

    @classmethod
    def of(cls, crawler: Any) -> "Refusals":
        return cls._by_crawler.setdefault(crawler, cls(crawler))

    def refuse(self, host: str, reason: str, url: str) -> None:
        self.crawler.stats.inc_value(f"generic/refused/{reason}")
        if host not in self.logged:
            self.logged.add(host)
            logger.warning("Refused %r (%s), first seen in %s; GENERIC_ALLOW_PRIVATE=True allows it",
                             host, reason, url)


class AddressGuardMiddleware:
    """Refuses the requests of spiders with `refuse_private_addresses` to non-public hosts.

    Placed after HttpProxyMiddleware (it must see `meta["proxy"]`) and before RetryMiddleware
    in the exception chain (a refused lookup is not worth retrying)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.refusals = Refusals.of(crawler)
        self.handlers_connect_through_reactor = all(_through_reactor(crawler.settings, s) for s in ("http", "https"))
        self._resolver: GuardedResolver | None = None
        self._resolver_checked = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AddressGuardMiddleware":
        if not getattr(crawler.spidercls, "refuse_private_addresses", False):
            # Site spiders connect only where their profiles say; a bare NotConfigured keeps
            # Scrapy from logging a warning for that normal case on every crawl.
            raise NotConfigured
        if crawler.settings.getbool("GENERIC_ALLOW_PRIVATE"):
            raise NotConfigured("GENERIC_ALLOW_PRIVATE is set")
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        resolver = self.resolver()
        proxy = request.meta.get("proxy")
        if resolver is None:
            reason = "unguarded-resolver"
        else:
            if proxy:
                resolver.proxy_hosts.add(urlsplit(add_http_if_no_scheme(proxy)).hostname or "")
            reason = host_refusal(host)
            if not reason and not proxy and host in resolver.proxy_hosts:
                reason = "proxy-host"  # the resolver lets a proxy's name through unchecked
        if reason:
            self.refuse(request, host, reason)

    def process_exception(self, request: Request, exception: Exception) -> None:
        host = urlparse_cached(request).hostname or ""
        resolver = self.resolver()
        # Scrapy's handlers raise a failed lookup as CannotResolveHostError (from DNSLookupError).
        if (isinstance(exception, (CannotResolveHostError, DNSLookupError)) and not request.meta.get("proxy")
                and resolver is not None and host in resolver.refused):
            self.refuse(request, host, "resolves-private")

    def refuse(self, request: Request, host: str, reason: str) -> None:
        self.refusals.refuse(host, reason, request.url)
        raise IgnoreRequest(f"refused {host!r}: {reason}")

    def resolver(self) -> GuardedResolver | None:
        """The reactor's resolver, armed, if every connection goes through it; else None.

        Looked up at the first request: the reactor installs its resolver when it starts."""
        if not self._resolver_checked:
            self._resolver_checked = True
            from twisted.internet import reactor

            installed = getattr(reactor, "resolver", None)
            if (isinstance(installed, GuardedResolver) and reactor.nameResolver is installed.name_resolver
                    and self.handlers_connect_through_reactor):
                installed.armed = True
                self._resolver = installed
            else:
                logger.error("Refusing every request: names are not resolved through %s.GuardedResolver "
                             "(TWISTED_DNS_RESOLVER and DOWNLOAD_HANDLERS must keep it in the path)", __name__)
        return self._resolver


def _through_reactor(settings: Any, scheme: str) -> bool:
    """Whether the scheme's download handler connects through the reactor's resolver."""
    path = settings.getwithbase("DOWNLOAD_HANDLERS").get(scheme)
    return path is None or issubclass(load_object(path), HTTP11DownloadHandler)
