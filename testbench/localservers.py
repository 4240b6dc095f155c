"""Real Redis and Scrapyd servers on 127.0.0.1, started for the tests and benchmarks, and
scrapyd-deploy, which builds the egg they are given.

Each server runs as its own process on a free port and is stopped on leaving the block. A
missing server binary raises ServerMissing, which says what to install.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


class ServerMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready")
        try:
            if ready():
                return
        except Exception:  # refused, reset, half-started: not ready yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server (no persistence); yields its redis:// URL."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerMissing("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        _wait_until(client.ping, process, "redis-server")
        yield url
    finally:
        client.close()
        _stop(process)


def scrapyd_deploy(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`scrapyd-deploy ARGS` in the project folder cwd, as a user runs it: this interpreter's
    scripts first on PATH (the egg's setup.py runs with it) and no proxy variables (a deploy
    goes straight to 127.0.0.1)."""
    env = {name: value for name, value in (env or os.environ).items() if "proxy" not in name.lower()}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(["scrapyd-deploy", *args], cwd=cwd, capture_output=True, text=True, timeout=180, env=env)


def scrapyd_call(url: str, endpoint: str, data: dict[str, str] | None = None) -> dict:
    """One Scrapyd JSON API call, straight to 127.0.0.1 whatever proxy the environment names."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    # A safety bound, not a pace: listspiders.json starts a Python process that loads the egg,
    # which took over 10 s on a loaded 2-core machine.
    with opener.open(url + endpoint, data=body, timeout=180) as answer:
        return json.load(answer)


@contextmanager
def scrapyd_server(workdir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A Scrapyd keeping its eggs, logs, items and job database under workdir; yields its URL.

    Jobs inherit env (e.g. http_proxy): Scrapyd starts each crawl with its own environment."""
    binary = shutil.which("scrapyd") or shutil.which("scrapyd", path=str(Path(sys.executable).parent))
    if binary is None:
        raise ServerMissing("scrapyd is not installed (pip install scrapyd)")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {workdir / 'eggs'}\nlogs_dir = {workdir / 'logs'}\n"
        f"items_dir = {workdir / 'items'}\ndbs_dir = {workdir / 'dbs'}\n"
        "poll_interval = 0.5\n", "utf-8")
    process = subprocess.Popen([binary], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        return scrapyd_call(url, "daemonstatus.json").get("status") == "ok"

    try:
        _wait_until(ready, process, "scrapyd")
        yield url
    finally:
        _stop(process)
