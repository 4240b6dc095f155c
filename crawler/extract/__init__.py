"""Article extraction as a pure function of (HTML bytes, URL): no Scrapy engine involved."""
from .engine import ExtractOptions, extract
from .page import NotArticle
from .profiles import Registry, SiteProfile, default_registry

__all__ = ["ExtractOptions", "NotArticle", "Registry", "SiteProfile", "default_registry", "extract"]
