"""No corpus text in the project: the real pages are third-party and for measurement only.

Fails when a run of RUN or more CJK characters of a corpus page (or its gold record)
appears in the code, the tests, the fixtures or the README; skips without the corpus.
Twelve characters is a sentence fragment, longer than the labels and names the rules
must spell out (责任编辑, 分享让更多人看到) and than common institutional names.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.extract.decode import UndecodableError, decode_html

from tests.conftest import CORPUS, ROOT

RUN = 12
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{%d,}" % RUN)
_SCANNED = ("crawler", "tests", "fixtures", "benchmarks")
_TEXT_SUFFIXES = {".py", ".md", ".json", ".html", ".htm", ".toml", ".txt", ".xml", ".cfg"}


def _windows(text: str) -> set[str]:
    """Every RUN-character slice of every CJK run of the text."""
    return {run[i:i + RUN] for run in _CJK.findall(text) for i in range(len(run) - RUN + 1)}


def _read(path: Path) -> str:
    body = path.read_bytes()
    if path.suffix in (".html", ".htm"):
        try:
            return decode_html(body)[0]  # pages are GBK / GB2312 as sites serve them
        except UndecodableError:
            return ""
    return body.decode("utf-8", "replace")


def _project_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in _SCANNED:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in _TEXT_SUFFIXES]
    return files


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS} (set CORPUS_DIR)")
def test_no_corpus_text_in_the_project():
    corpus: set[str] = set()
    for path in CORPUS.glob("*/*"):
        if path.suffix in (".html", ".json"):
            corpus |= _windows(_read(path))
    assert len(corpus) > 10_000, "the corpus was not read"
    copied = {}
    for path in _project_files():
        hits = _windows(_read(path)) & corpus
        if hits:
            copied[str(path.relative_to(ROOT))] = sorted(hits)[:3]
    assert not copied, f"corpus text copied into the project (write our own): {copied}"
