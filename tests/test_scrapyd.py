"""Deploy the project to a real Scrapyd with scrapyd-deploy, schedule a crawl, read its feed."""
import json
import os
import subprocess
import sys
import time

import pytest

from testbench.localservers import ServerMissing, scrapyd_call, scrapyd_deploy, scrapyd_server
from tests.conftest import ROOT, fixture_urls


@pytest.fixture
def scrapyd(fixture_proxy, tmp_path):
    """Scrapyd on 127.0.0.1; its jobs reach the fixture site through http_proxy, as any crawl does."""
    try:
        with scrapyd_server(tmp_path / "scrapyd", env={**os.environ, **fixture_proxy.proxy_env()}) as url:
            yield url, tmp_path / "scrapyd"
    except ServerMissing as exc:
        pytest.skip(str(exc))


def deploy(url: str, tmp_path) -> subprocess.CompletedProcess:
    """`scrapyd-deploy local-test`, the target added by a user-level scrapy.cfg beside the project's."""
    config_home = tmp_path / "config"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(f"[deploy:local-test]\nurl = {url}\nproject = crawler\n", "utf-8")
    return scrapyd_deploy(["local-test"], ROOT, {**os.environ, "XDG_CONFIG_HOME": str(config_home)})


def test_scrapy_cfg_names_the_default_deploy_target():
    listed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "scrapyd-client"), "targets"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert ["default", "http://localhost:6800/"] in [line.split() for line in listed.stdout.splitlines()]


def test_deploy_schedule_and_read_the_feed(scrapyd, tmp_path):
    url, workdir = scrapyd
    deployed = deploy(url, tmp_path)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert json.loads(deployed.stdout.strip().splitlines()[-1])["spiders"] == 4
    assert scrapyd_call(url, "listspiders.json?project=crawler")["spiders"] == ["generic", "municipal", "netease", "people"]

    job = scrapyd_call(url, "schedule.json", {"project": "crawler", "spider": "municipal", "site": "ziyang",
                                              "setting": "AUTOTHROTTLE_ENABLED=False"})
    assert job["status"] == "ok"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        finished = {j["id"]: j for j in scrapyd_call(url, "listjobs.json?project=crawler")["finished"]}
        if job["jobid"] in finished:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the Scrapyd job did not finish in 120 s")

    feed = workdir / "items" / "crawler" / "municipal" / f"{job['jobid']}.jl"
    assert finished[job["jobid"]]["items_url"].endswith(f"{job['jobid']}.jl")
    items = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
    expected = fixture_urls("ziyang", "article")
    assert {item["url"] for item in items} == expected
    assert all(item["extractor"] == "ziyang" and item["content"] for item in items)
    # The dedup store works under Scrapyd too (in its working folder, there being no scrapy.cfg).
    log = (workdir / "logs" / "crawler" / "municipal" / f"{job['jobid']}.log").read_text("utf-8")
    assert f"'dedup/new': {len(expected)}" in log
    assert (workdir / ".scrapy" / "dedup.sqlite").is_file()
