from .base import ArticleSpider


class PeopleSpider(ArticleSpider):
    """人民网: www.people.com.cn and every *.people.com.cn channel, national and regional."""

    name = "people"
    profile_names = ("people",)
