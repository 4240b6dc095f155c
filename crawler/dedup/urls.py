"""URL canonicalisation for deduplication.

w3lib's canonicalisation (sorted query, normalised escapes, no fragment), then:
tracking parameters dropped, the scheme folded (http and https name one page), and
known mobile hosts mapped onto their desktop twins.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that say where a click came from, never which page it is.
TRACKING_PARAMS = frozenset({
    "spm", "clickfrom", "f", "from", "frm", "source", "src", "ref", "referer", "share", "share_token",
    "sharer", "shareuid", "isappinstalled", "scene", "ivk_sa", "wfr", "tt_from", "tt_group_id",
    "agt", "timestamp", "t", "_t", "ts", "fr", "mod", "position", "platform", "vd_source",
    "fbclid", "gclid", "yclid", "dclid", "mc_cid", "mc_eid", "__twitter_impression",
})
TRACKING_PREFIXES = ("utm_", "wx_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")

# Mobile hosts serving the same article paths as their desktop twin.
MOBILE_HOSTS = {
    "m.163.com": "www.163.com",
    "3g.163.com": "www.163.com",
    "c.m.163.com": "www.163.com",
    "m.news.163.com": "news.163.com",
    "m.money.163.com": "money.163.com",
    "wap.people.com.cn": "www.people.com.cn",
    "m.people.com.cn": "www.people.com.cn",
}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def url_key(url: str) -> str:
    """The page identity of a URL: '//host/path?query' with the noise folded away."""
    parts = urlsplit(canonicalize_url(url))
    host = (parts.hostname or "").lower()
    host = MOBILE_HOSTS.get(host, host)
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    return urlunsplit(("", host + port, parts.path or "/", query, ""))


def seen_since(ttl_days: float) -> float | None:
    """The oldest emission time that still makes a URL seen, for DEDUP_URL_TTL_DAYS:
    None (any time) when it is 0 or negative, "forever"."""
    return time.time() - ttl_days * 86400 if ttl_days > 0 else None
