"""Site profiles: what a site's article template looks like, kept as data.

A profile is a TOML file (see crawler/profiles/). It names the hosts it serves,
the URL patterns of its article and list pages, markers that recognise its
template on any host (mirror sites copy whole pages), and CSS selectors per
field. `extends` inherits another profile: municipal sites share a few CMS
templates, so a new city is a handful of lines.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

# Read as package resources, so the profiles load from a zipped egg too (Scrapyd).
BUNDLED_DIR = resources.files("crawler") / "profiles"
FIELD_NAMES = ("title", "published", "source", "author", "editor", "info", "body", "noise")
_ADDITIVE = {"noise"}


@dataclass(frozen=True)
class SiteProfile:
    name: str
    site: str
    hosts: tuple[str, ...] = ()
    article_urls: tuple[re.Pattern[str], ...] = ()
    list_urls: tuple[re.Pattern[str], ...] = ()
    markers: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    editor: tuple[str, ...] = ()
    info: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    noise: tuple[str, ...] = ()
    title_suffixes: tuple[str, ...] = ()
    # The site's own label words beyond the common ones ([labels] source / author / editor).
    source_labels: tuple[str, ...] = ()
    author_labels: tuple[str, ...] = ()
    editor_labels: tuple[str, ...] = ()
    abstract: bool = False
    sample_url: str = ""

    def serves_host(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)

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
    for key in ("abstract", "start_urls", "sample_url"):
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
    return SiteProfile(**values)


@dataclass
class Registry:
    """All profiles, resolved for inheritance, in a stable order."""

    profiles: dict[str, SiteProfile] = field(default_factory=dict)

    @classmethod
    def load(cls, *dirs: Path | str) -> "Registry":
        raw: dict[str, dict] = {}
        for directory in (BUNDLED_DIR, *map(Path, dirs)):
            if not directory.is_dir():
                continue
            toml_files = (entry for entry in directory.iterdir() if entry.name.endswith(".toml"))
            for path in sorted(toml_files, key=lambda entry: entry.name):
                data = tomllib.loads(path.read_text("utf-8"))
                data.setdefault("name", path.name.removesuffix(".toml"))
                data.update(data.pop("fields", {}))
                data.update({f"{kind}_labels": words for kind, words in data.pop("labels", {}).items()})
                raw[data["name"]] = data
        resolved: dict[str, dict] = {}

        def resolve(name: str, chain: tuple[str, ...] = ()) -> dict:
            if name in chain:
                raise ValueError(f"profile inheritance loop: {' -> '.join(chain + (name,))}")
            if name not in resolved:
                data = raw[name]
                parent = data.get("extends")
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
        """Profiles serving the URL's host, most specific host first."""
        host = (urlsplit(url).hostname or "").lower()
        matches = [p for p in self.concrete() if p.hosts and p.serves_host(host)]
        return sorted(matches, key=lambda p: -max(len(h) for h in p.hosts if host == h or host.endswith("." + h)))

    def for_site(self, site: str) -> SiteProfile:
        for profile in self.concrete():
            if profile.name == site or profile.site == site or profile.site.endswith(":" + site):
                return profile
        raise KeyError(site)


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry.load()
    return _DEFAULT
