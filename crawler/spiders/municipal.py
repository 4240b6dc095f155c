from scrapy.exceptions import UsageError

from .base import ArticleSpider


class MunicipalSpider(ArticleSpider):
    """City government portals: ``-a site=ziyang`` (or mianyang, ...); all of them when omitted."""

    name = "municipal"
    arguments = {**ArticleSpider.arguments, "site": "a municipal profile's name or site; every city when omitted"}

    def __init__(self, *args, site: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.site = site

    def setup_profiles(self) -> None:
        cities = [p for p in self.registry.concrete() if p.site.startswith("municipal:") and p.start_points]
        if self.site:
            cities = [p for p in cities if self.site in (p.name, p.site, p.site.split(":", 1)[1])]
            if not cities:
                known = ", ".join(sorted(p.name for p in self.registry.concrete() if p.site.startswith("municipal:") and p.start_points))
                raise UsageError(f"unknown municipal site {self.site!r}; known: {known}")
        self.use_profiles(cities)
