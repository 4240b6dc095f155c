"""The made-up site served by nginx from pre-written files, in a process of its own.

Scrapy sends an absolute URL to an http proxy (`GET http://host/path`); nginx reads the
host from it, so one server block set as the proxy answers every host from
`<root>/<host><path>`. Not the bottleneck: it serves static files in C, out of the
crawler's process. Debian: `apt-get install -y nginx` (only this benchmark needs it).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Mapping

from benchmarks.cpu import tree_cpu_seconds
from testbench.synthetic import Page

CONFIG = """daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    types {{ text/html html; }}
    default_type text/html;
    charset gbk;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/site;
        location / {{ try_files /$host$uri /$host${{uri}}index.html =404; }}
    }}
}}
"""


class NginxSite:
    """`pages` ("host/path" -> Page, as SyntheticSite.pages) written under `prefix` and served."""

    def __init__(self, pages: Mapping[str, Page], prefix: Path) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("the crawl benchmarks need nginx: apt-get install -y nginx")
        for key, page in pages.items():  # "host/path"
            path = prefix / "site" / (key + "index.html" if key.endswith("/") else key)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(page.body)
        (prefix / "tmp").mkdir(exist_ok=True)
        prefix.chmod(0o755)  # nginx's worker may run as another user
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (prefix / "nginx.conf").write_text(CONFIG.format(prefix=prefix, port=self.port))
        self.process = subprocess.Popen([nginx, "-c", str(prefix / "nginx.conf"), "-p", str(prefix)])
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", self.port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"nginx did not start: {(prefix / 'error.log').read_text()}")
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def proxy_env(self) -> dict[str, str]:
        return {"http_proxy": self.url, "HTTP_PROXY": self.url, "no_proxy": "", "NO_PROXY": ""}

    def cpu_seconds(self) -> float:
        """CPU time of nginx's master and worker processes so far."""
        return tree_cpu_seconds(self.process.pid)

    def shutdown(self) -> None:
        self.process.terminate()
        self.process.wait(10)
