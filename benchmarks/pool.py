"""Extraction in worker processes (EXTRACT_WORKERS) against extraction in the reactor thread.

    python -m benchmarks.pool [--heavy 1000] [--light 3000]

Two made-up people.cn sites are written to a temp folder, their articles spread over 32
channel hosts (so no per-domain limit caps the crawl): heavy pages (the people.cn fixture
template padded with a long body of made-up sentences and a related-links block), where
extraction is the bottleneck (few links: following links is the reactor's work either way), and light ones, where it is not. Debian's nginx serves them
from another process (`apt-get install -y nginx`; it is run as the forward proxy Scrapy
sends absolute URLs to, one folder per host). On each site three real `scrapy crawl`
runs, AutoThrottle off: the no-op spider (the ceiling), the pool off, the pool on ("auto").
Pages per second come from each run's stats; CPU is the run's own and its workers'
(getrusage of children), and nginx's (from /proc), over the run's wall time.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.crawl import FAST, ROOT
from crawler.extract.pool import usable_cores, worker_count
from crawler.localservers import free_port
from crawler.synthetic import TEMPLATE, _sentence

HOSTS = 32
NGINX_CONF = """daemon off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; types {{ text/html html; }} default_type text/html; charset GBK;
  client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
  uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
  server {{ listen 127.0.0.1:{port}; root {site}/$host; index index.html; }} }}
"""


def write_site(folder: Path, articles: int, paragraphs: int, related: int) -> None:
    """Articles on HOSTS channel hosts, a list page per host, the home page linking the lists."""
    template = TEMPLATE.read_bytes().decode("gb18030")
    rng = random.Random(7)
    lists: dict[int, list[str]] = {}
    for i in range(articles):
        host = i % HOSTS
        path = f"/n1/2024/0101/c1001-{40000000 + i}.html"
        body = "".join(f"<p>{_sentence(rng)}{_sentence(rng)}</p>" for _ in range(paragraphs))
        links = "".join(f"<li><a href='/zt/{j}/'>{_sentence(rng)}</a></li>" for j in range(related))
        page = re.sub(r"(<div class=\"rm_txt_con cf\">).*?(<div class=\"edit)", lambda m: m.group(1) + body + m.group(2),
                      template, count=1, flags=re.S)
        page = re.sub(r"<h1>.*?</h1>", f"<h1>基准测试文章第{i}号</h1>", page, count=1, flags=re.S)
        page = page.replace("</body>", f"<div class='rm_relevant'><ul>{links}</ul></div></body>")
        _write(folder / f"c{host}.people.com.cn{path}", page)
        lists.setdefault(host, []).append(path)
    for host, paths in lists.items():
        _write(folder / f"c{host}.people.com.cn/index.html",
               "<html><body><ul>" + "".join(f'<li><a href="{p}">文章</a></li>' for p in paths) + "</ul></body></html>")
    _write(folder / "www.people.com.cn/index.html",
           "<html><body>" + "".join(f'<a href="http://c{h}.people.com.cn/index.html">频道{h}</a>' for h in lists) + "</body></html>")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("gb18030"))


def start_nginx(site: Path, prefix: Path) -> tuple[subprocess.Popen, int]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("benchmarks.pool needs nginx to serve the pages from another process: apt-get install -y nginx")
    port = free_port()
    (prefix / "tmp").mkdir(parents=True)
    (prefix / "nginx.conf").write_text(NGINX_CONF.format(prefix=prefix, port=port, site=site))
    process = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nginx did not start: see {prefix / 'error.log'}")


def cpu_seconds_of_tree(pid: int) -> float:
    """utime + stime of a process and its children, from /proc (nginx is not our child to reap)."""
    total, ticks = 0.0, 100.0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if entry.name.isdigit() and (int(entry.name) == pid or int(fields[1]) == pid):
                total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            pass
    return total


def run(args: list[str], env: dict, workdir: Path, name: str, nginx: int) -> dict:
    log = workdir / f"{name}.log"
    before, served_before, start = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds_of_tree(nginx), time.monotonic()
    subprocess.run([sys.executable, "-m", "scrapy", *args, *FAST, "-s", f"DEDUP_STORE_PATH={workdir / (name + '.sqlite')}", "-s", "LOG_LEVEL=INFO", "-s", f"LOG_FILE={log}"],
                   cwd=ROOT, env=env, check=True)
    wall, after = time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    text = log.read_text("utf-8")
    stats = {key: float(re.search(rf"'{re.escape(key)}': ([\d.]+)", text)[1]) if re.search(rf"'{re.escape(key)}': ", text) else 0.0
             for key in ("response_received_count", "elapsed_time_seconds", "item_scraped_count")}
    stats["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stats["nginx"] = cpu_seconds_of_tree(nginx) - served_before
    stats["wall"] = wall
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", type=int, default=1000, help="articles on the heavy site")
    parser.add_argument("--light", type=int, default=3000, help="articles on the light site")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-pool-"))
    workdir.chmod(0o755)  # nginx's worker processes run as another user
    print(f"{usable_cores()} usable cores; EXTRACT_WORKERS=auto gives {worker_count('auto', 16)} workers")
    print(f"{'site':6s} {'run':14s} {'pages':>6s} {'items':>6s} {'s':>6s} {'pages/s':>8s} {'crawl CPU':>10s} {'nginx CPU':>10s}")
    try:
        for kind, articles, paragraphs, related in (("heavy", options.heavy, 600, 40), ("light", options.light, 4, 0)):
            site = workdir / kind
            write_site(site, articles, paragraphs, related)
            nginx, port = start_nginx(site, workdir / f"nginx-{kind}")
            env = {**os.environ, "http_proxy": f"http://127.0.0.1:{port}", "https_proxy": f"http://127.0.0.1:{port}"}
            try:
                rates = {}
                for name, args in (("no-op spider", ["runspider", str(ROOT / "benchmarks" / "noop_spider.py")]),
                                   ("pool off", ["crawl", "people", "-O", str(workdir / f"{kind}-off.jsonl"), "-s", "EXTRACT_WORKERS=0"]),
                                   ("pool on", ["crawl", "people", "-O", str(workdir / f"{kind}-on.jsonl"), "-s", "EXTRACT_WORKERS=auto"])):
                    stats = run(args, env, workdir, f"{kind}-{name.replace(' ', '-')}", nginx.pid)
                    rates[name] = stats["response_received_count"] / stats["elapsed_time_seconds"]
                    print(f"{kind:6s} {name:14s} {stats['response_received_count']:6.0f} {stats['item_scraped_count']:6.0f} "
                          f"{stats['elapsed_time_seconds']:6.1f} {rates[name]:8.1f} {stats['cpu'] / stats['wall']:7.2f} cores"
                          f" {stats['nginx'] / stats['wall']:7.2f} cores")
                print(f"{kind:6s} pool on / pool off pages per second: {rates['pool on'] / rates['pool off']:.2f} "
                      f"(no-op spider / pool off: {rates['no-op spider'] / rates['pool off']:.2f})")
            finally:
                nginx.terminate()
                nginx.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
