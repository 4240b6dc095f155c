from .base import ArticleSpider


class NeteaseSpider(ArticleSpider):
    """网易: news.163.com, www.163.com/news and 网易号 (www.163.com/dy) articles."""

    name = "netease"
    profile_names = ("netease",)
