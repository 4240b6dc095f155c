"""Site profiles: what a site's article template looks like, kept as data.

A profile is a TOML file (see crawler/profiles/). It names the hosts it serves,
the URL patterns of its article and list pages, markers that recognise its
template on any host (mirror sites copy whole pages), and CSS selectors per
field. `extends` inherits another profile: municipal sites share a few CMS
templates, so a new city is a handful of lines.

Profiles are checked when they load: a TOML error, a bad URL pattern, selector or
host, an unknown `extends` or a missing folder is a ProfileError naming the file (and
the profile, key and value), never a failure on every page of a crawl.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml import etree

from .dom import compile_selector

# Read as package resources, so the profiles load from a zipped egg too (Scrapyd).
BUNDLED_DIR = resources.files("crawler") / "profiles"
FIELD_NAMES = ("title", "published", "source", "author", "editor", "info", "body", "noise", "attachments", "disclosure")
_ADDITIVE = {"noise"}
_SELECTOR_KEYS = (*FIELD_NAMES, "markers")
_START_KEYS = ("feeds", "sitemaps")  # absolute http(s) URLs on the profile's hosts
_LIST_KEYS = (*_SELECTOR_KEYS, *_START_KEYS, "hosts", "article_urls", "list_urls", "start_urls", "title_suffixes",
              "source_labels", "author_labels", "editor_labels")
DEFAULT_PORTS = {"http": 80, "https": 443}
_PROBE = etree.fromstring("<html><body/></html>")  # evaluating on it finds XPath errors compiling misses


class ProfileError(ValueError):
    """A profile folder or file that cannot be used; the message says which and why."""


@lru_cache(maxsize=1024)
def split_host(host: str) -> tuple[str, int | None]:
    """A profile host, `example.com` or `example.com:8000` (`[::1]:8000`), as (name, port or None)."""
    parts = urlsplit("//" + host)
    port = parts.port  # ValueError for a port that is not a number
    if not parts.hostname or parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"not a host or host:port: {host!r}")
    return parts.hostname, port


def url_host(url: str) -> tuple[str, int | None]:
    """The URL's host name and port (its scheme's default when it names none); ("", None) if unreadable."""
    parts = urlsplit(url)
    try:
        return parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return "", None


def host_of(url: str) -> str:
    """The URL's host in profile notation: the name, with `:port` when the URL writes one."""
    parts = urlsplit(url)
    name = parts.hostname or ""
    name = f"[{name}]" if ":" in name else name
    try:
        return f"{name}:{parts.port}" if parts.port else name
    except ValueError:
        return name


def host_rank(hosts: Iterable[str], name: str, port: int | None) -> tuple[int, bool] | None:
    """How specifically `hosts` serve host `name` on `port`, None when none does. A host serves
    itself and its subdomains, on any port unless it names one; the longest matching name
    ranks first, and of one name, host:port before the bare host."""
    ranks = [(len(wanted_name), wanted_port is not None) for wanted_name, wanted_port in map(split_host, hosts)
             if (name == wanted_name or name.endswith("." + wanted_name)) and wanted_port in (None, port)]
    return max(ranks, default=None)


def on_hosts(url: str, hosts: Iterable[str]) -> bool:
    return host_rank(hosts, *url_host(url)) is not None


@dataclass(frozen=True)
class SiteProfile:
    name: str
    site: str
    hosts: tuple[str, ...] = ()
    article_urls: tuple[re.Pattern[str], ...] = ()
    list_urls: tuple[re.Pattern[str], ...] = ()
    markers: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()      # RSS / Atom feeds, start points read by crawler/incremental.py
    sitemaps: tuple[str, ...] = ()   # sitemaps, news sitemaps or sitemap indexes, ditto
    title: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    editor: tuple[str, ...] = ()
    info: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    noise: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # attachment blocks (附件), beside what the engine finds by itself
    disclosure: tuple[str, ...] = ()   # where the 政府信息公开 block is; the whole page when empty
    title_suffixes: tuple[str, ...] = ()
    # The site's own label words beyond the common ones ([labels] source / author / editor).
    source_labels: tuple[str, ...] = ()
    author_labels: tuple[str, ...] = ()
    editor_labels: tuple[str, ...] = ()
    abstract: bool = False
    sample_url: str = ""

    @property
    def start_points(self) -> tuple[str, ...]:
        """Where a crawl of this site starts: its feeds and sitemaps, then its list pages."""
        return (*self.feeds, *self.sitemaps, *self.start_urls)

    def serves_host(self, host: str, port: int | None = None) -> bool:
        """Whether a URL on host name `host` and `port` is this profile's (see host_rank)."""
        return host_rank(self.hosts, host.lower(), port) is not None

    def is_article_url(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_urls)

    def is_list_url(self, url: str) -> bool:
        return any(p.search(url) for p in self.list_urls)


def _merge(parent: dict, child: dict) -> dict:
    merged = dict(parent)
    for key, value in child.items():
        if key in _ADDITIVE and key in parent:
            merged[key] = list(parent[key]) + [v for v in value if v not in parent[key]]
        else:
            merged[key] = value
    for key in ("abstract", "start_urls", *_START_KEYS, "sample_url"):
        if key not in child:
            merged.pop(key, None)
    return merged


def _build(raw: dict) -> SiteProfile:
    known = {f.name for f in fields(SiteProfile)}
    unknown = set(raw) - known - {"extends", "fields"}
    if unknown:
        raise ValueError(f"profile {raw.get('name')!r}: unknown keys {sorted(unknown)}")
    values = {k: v for k, v in raw.items() if k in known}
    for key in ("article_urls", "list_urls"):
        values[key] = tuple(re.compile(p) for p in values.get(key, ()))
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    try:
        profile = SiteProfile(**values)
    except TypeError as exc:  # a required key (site), missing here and in every parent
        raise ProfileError(f"profile {raw.get('name')!r}: {exc}") from exc
    for key in _START_KEYS:  # here, not in _check: the hosts may be inherited
        for url in getattr(profile, key):
            if urlsplit(url).scheme not in ("http", "https") or not on_hosts(url, profile.hosts):
                raise ProfileError(f"profile {profile.name!r}: {key} {url!r} is not an http(s) URL on its hosts "
                                   f"{list(profile.hosts)} (requests off them are dropped as offsite)")
    return profile


def _check(data: dict, source: object) -> None:
    """Refuse at load what would otherwise fail on every page: a value of the wrong type, a
    URL pattern, selector or host that does not compile. Only the file's own keys: what a
    profile inherits was checked in its parent's file."""
    where = f"profile {data['name']!r} ({source})"
    for key in _LIST_KEYS:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{where}: {key} must be a list of strings, not {value!r}")
    for key in ("article_urls", "list_urls"):
        for pattern in data.get(key, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ProfileError(f"{where}: {key} pattern {pattern!r}: {exc}") from exc
    for key in _SELECTOR_KEYS:
        for selector in data.get(key, ()):
            try:
                compile_selector(selector)(_PROBE)
            except (SelectorError, etree.XPathError) as exc:
                raise ProfileError(f"{where}: {key} selector {selector!r}: {exc}") from exc
    for host in data.get("hosts", ()):
        try:
            split_host(host)
        except ValueError as exc:
            raise ProfileError(f"{where}: hosts: {exc}") from exc


def _read(path) -> dict:
    """One profile file as a flat dict (its [fields] table merged in), checked."""
    text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 names the line, except for an error at the very end.
        detail = str(exc).replace("at end of document", f"at end of document, line {text.count(chr(10)) + 1}")
        raise ProfileError(f"{path}: invalid TOML: {detail}") from exc
    data.setdefault("name", path.name.removesuffix(".toml"))
    table = data.pop("fields", {})
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: [fields] must be a table")
    data.update(table)
    labels = data.pop("labels", {})
    if not isinstance(labels, dict) or not set(labels) <= {"source", "author", "editor"}:
        raise ProfileError(f"{path}: [labels] must be a table of source / author / editor word lists")
    data.update({f"{kind}_labels": words for kind, words in labels.items()})
    _check(data, path)
    return data


@dataclass
class Registry:
    """All profiles, resolved for inheritance, in a stable order."""

    profiles: dict[str, SiteProfile] = field(default_factory=dict)

    @classmethod
    def load(cls, *dirs: Path | str) -> "Registry":
        """The bundled profiles, then those of `dirs` (a name given again replaces the earlier one).

        Raises ProfileError for a folder that does not exist or a profile that does not load."""
        raw: dict[str, dict] = {}
        sources: dict[str, object] = {}
        for directory in (BUNDLED_DIR, *map(Path, dirs)):
            if not directory.is_dir():
                raise ProfileError(f"profile folder {directory} does not exist")
            toml_files = (entry for entry in directory.iterdir() if entry.name.endswith(".toml"))
            for path in sorted(toml_files, key=lambda entry: entry.name):
                data = _read(path)
                raw[data["name"]], sources[data["name"]] = data, path
        resolved: dict[str, dict] = {}

        def resolve(name: str, chain: tuple[str, ...] = ()) -> dict:
            if name in chain:
                raise ProfileError(f"profile inheritance loop: {' -> '.join(chain + (name,))}")
            if name not in resolved:
                data = raw[name]
                parent = data.get("extends")
                if parent is not None and parent not in raw:
                    raise ProfileError(f"profile {name!r} ({sources[name]}) extends unknown profile {parent!r}; "
                                       f"known: {', '.join(sorted(raw))}")
                resolved[name] = _merge(resolve(parent, chain + (name,)), data) if parent else data
            return resolved[name]

        registry = cls()
        for name in raw:
            data = {k: v for k, v in resolve(name).items() if k != "extends"}
            registry.profiles[name] = _build(data)
        return registry

    def get(self, name: str) -> SiteProfile:
        return self.profiles[name]

    def concrete(self) -> list[SiteProfile]:
        return [p for p in self.profiles.values() if not p.abstract]

    def for_url(self, url: str) -> list[SiteProfile]:
        """Profiles serving the URL's host (and port), most specific host first."""
        name, port = url_host(url)
        ranked = [(host_rank(p.hosts, name, port), p) for p in self.concrete()]
        return [p for rank, p in sorted((r for r in ranked if r[0]), key=lambda r: r[0], reverse=True)]


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry.load()
    return _DEFAULT
