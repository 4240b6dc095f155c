"""What a user installs: the wheel in a fresh virtualenv, and the Scrapyd egg.

Each is built once per module from a copy of the checkout (so the build sees every folder,
test bench included, and must leave it out), then used as a user would, in a project folder
that is not the checkout: `scrapy -h` lists exactly Scrapy's commands and ours, every one of
them runs, and no test-bench module is there. No network: the wheel is built without build
isolation, and installed with no dependencies into a virtualenv that reuses this one's.
"""
from __future__ import annotations

import html
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import zipfile
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path

import pytest
import scrapy.commands

from testbench.localservers import scrapyd_deploy
from tests.conftest import FIXTURES, ROOT

OURS = {"crawl", "evaluate", "explain", "extract"}
SPIDERS = ["generic", "municipal", "netease", "people"]
PAGE = FIXTURES / "people" / "politics_n1"
EXPECTED = json.loads((PAGE / "expected.json").read_text("utf-8"))
# What a build may read; everything else (caches, earlier builds, feeds) stays behind.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", ".scrapy",
                                    ".pytest_cache", "*.jsonl")


@dataclass
class Install:
    """A project folder outside the checkout, and how `scrapy` runs there."""

    name: str
    project: Path
    command: list[str]
    env: dict[str, str]

    def scrapy(self, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, *args], cwd=self.project, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def python(self, code: str) -> str:
        python = self.command[0]
        done = subprocess.run([python, "-c", code], cwd=self.project, env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def clean_env() -> dict[str, str]:
    """No proxy (the crawls go straight to 127.0.0.1) and nothing that points Python or
    Scrapy at the checkout."""
    return {name: value for name, value in os.environ.items()
            if "proxy" not in name.lower() and name not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}


def source_copy(folder: Path) -> Path:
    shutil.copytree(ROOT, folder, ignore=NOT_SOURCE)
    return folder


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if find_spec("wheel") is None:
        pytest.skip("building a wheel without network needs the test extra's `wheel` package: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w",
         work / "dist", source_copy(work / "src")])
    [built] = (work / "dist").glob("cn_article_crawler-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_install(wheel, tmp_path_factory) -> Install:
    """The wheel pip-installed into a new virtualenv; this virtualenv's site-packages are
    added afterwards by a .pth file, for the dependencies (a .pth line adds a folder, and
    the editable install's own .pth inside it is not run, so the checkout stays out)."""
    work = tmp_path_factory.mktemp("venv")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel])
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "shared-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    project = work / "project"
    project.mkdir()
    (project / "scrapy.cfg").write_text("[settings]\ndefault = crawler.settings\n", "utf-8")
    return Install("wheel", project, [str(python), "-m", "scrapy"], clean_env())


@pytest.fixture(scope="module")
def egg(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("egg")
    built = work / "crawler.egg"
    done = scrapyd_deploy(["--build-egg", str(built)], source_copy(work / "src"))
    assert done.returncode == 0, done.stdout + done.stderr
    return built


@pytest.fixture(scope="module")
def egg_install(egg, tmp_path_factory) -> Install:
    """The egg run as Scrapyd runs a job's `scrapy`: scrapyd.runner activates the latest egg
    of the project in its egg storage, and takes the settings from the egg's entry point."""
    project = tmp_path_factory.mktemp("eggproject")
    (project / "eggs" / "crawler").mkdir(parents=True)
    shutil.copy(egg, project / "eggs" / "crawler" / "1.egg")
    (project / "scrapyd.conf").write_text(f"[scrapyd]\neggs_dir = {project / 'eggs'}\n", "utf-8")
    return Install("egg", project, [sys.executable, "-m", "scrapyd.runner"], {**clean_env(), "SCRAPY_PROJECT": "crawler"})


@pytest.fixture(params=["wheel", "egg"])
def install(request) -> Install:
    return request.getfixturevalue(f"{request.param}_install")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Our people.cn replica page served by Python's http.server on 127.0.0.1."""
    root = tmp_path_factory.mktemp("site")
    (root / "n1").mkdir()
    shutil.copy(PAGE / "page.html", root / "n1" / "a.html")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/n1/a.html"
    server.shutdown()
    server.server_close()


def listed_commands(install: Install) -> set[str]:
    done = install.scrapy("-h")
    assert done.returncode == 0, done.stderr
    assert "active project: crawler" in done.stdout
    lines = done.stdout.split("Available commands:", 1)[1].splitlines()
    return {line.split()[0] for line in lines if line.startswith("  ") and line.strip()}


def scrapys_own() -> set[str]:
    return {module.name for module in pkgutil.iter_modules(scrapy.commands.__path__)}


def test_the_wheel_holds_the_crawler_and_its_profiles_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert packages == {"crawler"}
    profiles = {p.name for p in (ROOT / "crawler" / "profiles").glob("*.toml")}
    assert profiles and {Path(n).name for n in names if n.startswith("crawler/profiles/")} == profiles
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    required = {re.match(r"[\w.-]+", line.split(":", 1)[1].strip())[0].lower() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert "scrapy" in required and not required & {"cryptography", "pytest", "scrapyd", "wheel"}


def test_the_egg_holds_the_crawler_and_its_profiles_only(egg):
    names = zipfile.ZipFile(egg).namelist()
    assert {name.split("/")[0] for name in names} == {"crawler", "EGG-INFO"}
    assert {Path(n).name for n in names if n.startswith("crawler/profiles/")} == \
        {p.name for p in (ROOT / "crawler" / "profiles").glob("*.toml")}
    assert "settings = crawler.settings" in zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()


def test_crawler_is_imported_from_the_install_and_the_bench_is_absent(install):
    code = ("import crawler, importlib.util; print(crawler.__file__); print(importlib.util.find_spec('testbench'))")
    if install.name == "egg":
        code = "from scrapyd.runner import project_environment\nwith project_environment('crawler'):\n" + \
               "\n".join("    " + line for line in code.split("; "))
    where, bench = install.python(code).splitlines()
    assert bench == "None"
    assert not Path(where).is_relative_to(ROOT) and not Path(where).is_relative_to("/work/main")
    if install.name == "wheel":
        assert Path(where).is_relative_to(install.command[0].rsplit("/bin/", 1)[0])
    else:
        assert ".egg" in where


def test_scrapy_lists_its_own_commands_and_ours_and_no_bench_command(install):
    assert listed_commands(install) == scrapys_own() | OURS


def test_scrapys_own_commands_load_in_the_project(wheel_install):
    """Scrapy's commands, each asked for its usage in one process (each has its own tests
    upstream); ours and list / settings / version run for real below."""
    names = sorted(scrapys_own())
    loop = ("import sys\nfrom scrapy.cmdline import execute\n"
            "for name in sys.argv[1:]:\n"
            "    try:\n        execute(['scrapy', name, '-h'])\n"
            "    except SystemExit as exc:\n        assert exc.code in (0, None), (name, exc.code)\n")
    done = subprocess.run([wheel_install.command[0], "-c", loop, *names], cwd=wheel_install.project,
                          env=wheel_install.env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    for name in names:
        assert f"  scrapy {name}" in done.stdout, name
    version = wheel_install.scrapy("version")
    assert version.returncode == 0 and version.stdout.startswith("Scrapy ")
    assert wheel_install.scrapy("settings", "--get", "BOT_NAME").stdout.strip() == "crawler"


def test_list(install):
    done = install.scrapy("list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == SPIDERS


def test_crawl_a_local_site(install, site):
    done = install.scrapy("crawl", "generic", "-a", f"urls={site}", "-s", "GENERIC_ALLOW_PRIVATE=True",
                          "-s", "AUTOTHROTTLE_ENABLED=False", "-O", "out.jsonl")
    assert done.returncode == 0, done.stderr
    [item] = [json.loads(line) for line in (install.project / "out.jsonl").read_text("utf-8").splitlines()]
    assert item["url"] == site and item["title"] == EXPECTED["title"] and item["content"] == EXPECTED["content"]


def test_extract_a_saved_page_with_the_packaged_profiles(wheel_install):
    (wheel_install.project / "page.html").write_bytes((PAGE / "page.html").read_bytes())
    done = wheel_install.scrapy("extract", "page.html", "--url", EXPECTED["url"])
    assert done.returncode == 0, done.stderr
    [item] = [json.loads(line) for line in done.stdout.splitlines()]
    assert item["extractor"] == "people"  # the people profile, read from the installed package data
    assert {k: item[k] for k in ("title", "content", "published_at", "author")} == \
        {k: EXPECTED[k] for k in ("title", "content", "published_at", "author")}


def test_explain_a_saved_page(wheel_install):
    (wheel_install.project / "page.html").write_bytes((PAGE / "page.html").read_bytes())
    done = wheel_install.scrapy("explain", "page.html", "--url", EXPECTED["url"], "-o", "report.html")
    assert done.returncode == 0, done.stderr
    report = (wheel_install.project / "report.html").read_text("utf-8")
    assert html.escape("Chosen by the site profile 'people'") in report
    assert EXPECTED["title"] in report


def test_evaluate_a_corpus_folder(wheel_install):
    """A one-page corpus in the gold corpus's format, our own replica with its expected article."""
    corpus = wheel_install.project / "corpus" / "people"
    corpus.mkdir(parents=True)
    shutil.copy(PAGE / "page.html", corpus / "politics.html")
    gold = {"url": EXPECTED["url"], "is_article": True, "body": EXPECTED["content"],
            **{k: EXPECTED[k] for k in ("title", "published_at", "source", "author", "editor")}}
    (corpus / "politics.gold.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    done = wheel_install.scrapy("evaluate", "corpus", "--systems", "ours")
    assert done.returncode == 0, done.stderr
    [row] = [line.split() for line in done.stdout.splitlines() if line.startswith("overall")]
    # category system pages P R F1 title date source author editor ...
    assert row[:3] == ["overall", "ours", "1"] and row[3:11] == ["1.000"] * 8
    assert "labelled set" not in done.stdout  # the labelled set is the checkout's, not the wheel's
