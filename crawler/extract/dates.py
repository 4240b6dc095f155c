"""Chinese date forms to ISO 8601 in China Standard Time (+08:00)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA_OFFSET = "+08:00"
CHINA = timezone(timedelta(hours=8))

# Numbered by preference: a date with a time beats a bare date.
_DATE_TIME_PATTERNS = (
    # 1. 2024年03月09日17:41 / 2024年3月9日 17:41:05
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?"),
    # 2. 2024-03-09 17:41:05 / 2024/3/9 17:41 / ISO 8601 with its offset
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:\s+|T)(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2})(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?"),
)
_DATE_PATTERNS = (
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
)
# Dates that article URLs carry, in the sites' own layouts.
_URL_PATTERNS = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})(?P<d>\d{2})/"),          # people /n1/2024/0510/
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-/](?P<m>\d{2})[-/](?P<d>\d{2})/"),     # /2016/11/22/ , /2005-08/16/
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})[/_]"),     # TRS t20220211_ , /20240509/
    re.compile(r"163\.com/(?P<y>\d{2})/(?P<m>\d{2})(?P<d>\d{2})/\d{2}/"),      # news.163.com/19/0907/09/
)


def _iso(parts: dict[str, str | None], with_time: bool) -> str | None:
    year = int(parts["y"])
    if year < 100:
        year += 2000
    try:
        if not with_time:
            return datetime(year, int(parts["m"]), int(parts["d"])).date().isoformat()
        moment = datetime(
            year, int(parts["m"]), int(parts["d"]),
            int(parts["H"]), int(parts["M"]), int(parts.get("S") or 0),
        )
    except ValueError:
        return None
    zone = parts.get("tz")
    if zone:
        # Machine-readable times may be UTC or another offset: report China time.
        sign = -1 if zone.startswith("-") else 1
        digits = zone.lstrip("+-").replace(":", "") if zone != "Z" else "0000"
        offset = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))
        moment = moment.replace(tzinfo=offset).astimezone(CHINA).replace(tzinfo=None)
    return moment.isoformat() + CHINA_OFFSET


def parse_date(text: str | None) -> str | None:
    """The first date in `text`, with its time when the text gives one."""
    if not text:
        return None
    for pattern in _DATE_TIME_PATTERNS:
        for match in pattern.finditer(text):
            found = _iso(match.groupdict(), with_time=True)
            if found:
                return found
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _iso(match.groupdict(), with_time=False)
            if found:
                return found
    return None


def date_from_url(url: str) -> str | None:
    """The date an article URL carries, date only."""
    for pattern in _URL_PATTERNS:
        match = pattern.search(url)
        if match:
            found = _iso(match.groupdict(), with_time=False)
            if found:
                return found
    return None


def has_date(text: str) -> bool:
    return any(p.search(text) for p in _DATE_PATTERNS)
