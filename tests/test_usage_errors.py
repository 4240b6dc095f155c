"""Usage errors: a bad spider argument or profile is one error line and exit code 2, before
the crawl starts, never an asyncio traceback; profiles are checked when they load."""
import re

import pytest
from scrapy.exceptions import UsageError

from crawler.extract.profiles import ProfileError, Registry
from crawler.spiders.generic import GenericSpider
from crawler.spiders.municipal import MunicipalSpider
from crawler.spiders.netease import NeteaseSpider
from crawler.spiders.people import PeopleSpider
from tests.conftest import FIXTURES, run_scrapy

SPIDERS = [PeopleSpider, NeteaseSpider, MunicipalSpider, GenericSpider]


def case(id, *values):
    return pytest.param(*values, id=id)


def usage_error(result) -> str:
    """The one error line of a usage error, after checking it is one."""
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Task exception" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda s: s.name)
def test_unknown_argument_is_refused_with_the_known_ones(spider):
    with pytest.raises(UsageError) as raised:
        spider(limt="5")
    message = str(raised.value)
    assert "unknown argument limt" in message
    assert all(f"{name} (" in message for name in spider.arguments)


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda s: s.name)
def test_scrapy_and_scheduler_arguments_are_accepted(spider):
    built = spider(_job="0123abcd", _version="r1", download_delay="0.5", limit="3")
    assert built.limit == 3 and built._job == "0123abcd"


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5"])
def test_limit_must_be_a_positive_whole_number(value):
    with pytest.raises(UsageError, match=f"limit must be a whole number above 0, not '{value}'"):
        PeopleSpider(limit=value)


BAD_PROFILES = {
    "toml": ('name = "bad"\nsite = "x:bad"\nhosts = [\n  "a.example"\n  "b.example",\n]\n',
             r"bad\.toml: invalid TOML: .*at line 5"),
    "toml-at-end": ('name = "bad"\nsite = "x:bad"\nhosts = [\n', r"bad\.toml: invalid TOML: .*end of document, line 4"),
    "css": ('name = "bad"\nsite = "x:bad"\n[fields]\nbody = ["div.ok", "div[class="]\n',
            r"profile 'bad' \(.*bad\.toml\): body selector 'div\[class=': "),
    "xpath": ('name = "bad"\nsite = "x:bad"\nmarkers = ["//div[@id=\'x\'"]\n',
              r"profile 'bad' \(.*bad\.toml\): markers selector \"//div\[@id='x'\": "),
    "xpath-at-evaluation": ('name = "bad"\nsite = "x:bad"\n[fields]\ntitle = ["//x:h1"]\n',
                            r"profile 'bad' \(.*\): title selector '//x:h1': Undefined namespace prefix"),
    "pattern": ('name = "bad"\nsite = "x:bad"\narticle_urls = ["/art/(\\\\d+"]\n', r"article_urls pattern '/art/\(\\\\d\+'"),
    "host": ('name = "bad"\nsite = "x:bad"\nhosts = ["http://a.example/"]\n', r"hosts: not a host or host:port"),
    "type": ('name = "bad"\nsite = "x:bad"\nhosts = "a.example"\n', r"hosts must be a list of strings"),
    "extends": ('name = "bad"\nsite = "x:bad"\nextends = "no_such"\n',
                r"profile 'bad' \(.*bad\.toml\) extends unknown profile 'no_such'; known: .*people"),
    "no-site": ('name = "bad"\n', r"profile 'bad': .*'site'"),
}


@pytest.mark.parametrize("kind", sorted(BAD_PROFILES))
def test_bad_profile_is_refused_at_load(tmp_path, kind):
    text, message = BAD_PROFILES[kind]
    (tmp_path / "bad.toml").write_text(text, "utf-8")
    with pytest.raises(ProfileError, match=message):
        Registry.load(tmp_path)


def test_missing_profile_folder_is_an_error(tmp_path):
    with pytest.raises(ProfileError, match=f"profile folder {tmp_path / 'nowhere'} does not exist"):
        Registry.load(tmp_path / "nowhere")


# --- as a user meets them: real `scrapy crawl` / `scrapy extract` processes -----------------


@pytest.mark.parametrize("args,message", [
    case("bad-limit", ["people", "-a", "limit=abc"], "limit must be a whole number above 0, not 'abc'"),
    case("unknown-argument", ["netease", "-a", "limt=5"], "unknown argument limt for spider 'netease'; its arguments: limit ("),
    case("missing-url-file", ["generic", "-a", "url_file=/nonexistent/urls.txt"], "cannot read url_file /nonexistent/urls.txt"),
    case("unknown-site", ["municipal", "-a", "site=atlantis"], "unknown municipal site 'atlantis'; known: "),
    case("unknown-spider", ["nosuch"], "unknown spider 'nosuch'; the spiders: generic, municipal, netease, people"),
])
def test_crawl_argument_errors(args, message):
    assert message in usage_error(run_scrapy(["crawl", *args]))


@pytest.mark.parametrize("kind", ["toml", "css", "extends"])
def test_crawl_with_a_bad_profile(tmp_path, kind):
    text, message = BAD_PROFILES[kind]
    (tmp_path / "bad.toml").write_text(text, "utf-8")
    line = usage_error(run_scrapy(["crawl", "people", "-s", f"EXTRACT_PROFILE_DIRS={tmp_path}"]))
    assert re.search(message, line), line


def test_crawl_and_extract_with_a_missing_profile_folder(tmp_path):
    missing = tmp_path / "nowhere"
    for command in (["crawl", "municipal"], ["extract", str(FIXTURES / "people" / "home" / "page.html")]):
        line = usage_error(run_scrapy([*command, "-s", f"EXTRACT_PROFILE_DIRS={missing}"]))
        assert f"profile folder {missing} does not exist" in line


def test_extract_with_a_bad_profile(tmp_path):
    (tmp_path / "bad.toml").write_text(BAD_PROFILES["css"][0], "utf-8")
    line = usage_error(run_scrapy(["extract", str(FIXTURES / "people" / "home" / "page.html"),
                                   "-s", f"EXTRACT_PROFILE_DIRS={tmp_path}"]))
    assert "body selector 'div[class='" in line
