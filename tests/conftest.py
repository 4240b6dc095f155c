import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = Path(os.environ.get("CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


def fixture_pages(kind: str | None = None) -> list[Path]:
    """Fixture folders, optionally only articles or only list pages."""
    folders = sorted(p.parent for p in FIXTURES.glob("*/*/meta.json"))
    if kind:
        folders = [f for f in folders if json.loads((f / "meta.json").read_text("utf-8"))["kind"] == kind]
    return folders


def fixture_url(folder: Path) -> str:
    return json.loads((folder / "meta.json").read_text("utf-8"))["url"]


def fixture_urls(family: str, kind: str) -> set[str]:
    """The URLs of one site family's fixtures of one kind ("article" or "list")."""
    return {fixture_url(folder) for folder in fixture_pages(kind) if folder.parent.name == family}


def fixture_id(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}"


def scrapy_extract(folder: Path) -> tuple[dict, dict]:
    """`scrapy extract` of a fixture page at its URL: (the record printed, expected.json)."""
    result = run_scrapy(["extract", str(folder / "page.html"), "--url", fixture_url(folder)])
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), json.loads((folder / "expected.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def fixture_proxy():
    from testbench import fixtureproxy

    proxy = fixtureproxy.start(FIXTURES)
    yield proxy
    proxy.shutdown()


def run_scrapy(args: list[str], env_extra: dict[str, str] | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
    """`scrapy ...` in the project folder, as a user runs it."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def redis_server_url():
    """A real redis-server on 127.0.0.1 for the whole session; skipped only if it is not installed."""
    from testbench.localservers import ServerMissing, redis_server

    try:
        with redis_server() as url:
            yield url
    except ServerMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture
def redis_url(redis_server_url):
    """The session's Redis, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server_url)
    client.flushall()
    client.close()
    return redis_server_url
