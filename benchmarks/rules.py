"""Which rules generalise: on how many pages each profile selector and noise rule fires.

    python -m benchmarks.rules [CORPUS_DIR] [--json FILE]     (default: $CORPUS_DIR, else ../shared/corpus)

Rules: every selector of every field and the markers of every profile file in
crawler/profiles/ (attributed to the file that writes it, not to the profiles inheriting
it), and every noise rule of crawler/extract/noise.py — the GLOBAL_NOISE tags, each
widget class word, each line rule and structural line rule. Pages: the real-page corpus
(../shared/corpus, or CORPUS_DIR), the fixture replicas (fixtures/SITE/CASE/page.html) and
the generated labelled set (fixtures/labelled/pages).

A profile selector fires on a page when it matches there (dom.select, on the page as
extract() parses it); a profile's `noise` selector, and every noise rule, when the
extraction of the page dropped something by it (read from the extractor's trace: the
winning draft's drops, credited to the files along the winning profile's `extends`): a
noise selector acts only inside the body, so one that matches elsewhere does nothing. Rules firing on no page
are flagged `dead`, on exactly one page `one page`; the replicas a rule fires on are named,
so a rule seen on one corpus page can be checked against a replica of its template.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from crawler.extract import NotArticle, extract
from crawler.extract.engine import GLOBAL_NOISE
from crawler.extract.noise import _NOISE_WORDS, LINE_RULES
from crawler.extract.page import Page
from crawler.extract.profiles import BUNDLED_DIR, FIELD_NAMES
from crawler.extract.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
SETS = ("corpus", "replicas", "labelled")
STRUCTURAL_LINE_RULES = ("title-repeat", "image-alt-repeat", "link-only")  # noise._structural_noise, _drop_split_title


@dataclass
class Rule:
    kind: str   # "profile:<file stem>" or "noise"
    key: str    # field name, "markers", "element", "widget-word" or "line"
    rule: str
    pages: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SETS})

    def flag(self) -> str:
        total = sum(len(p) for p in self.pages.values())
        return "dead" if total == 0 else "one page" if total == 1 else ""


def profile_rules(folder=BUNDLED_DIR) -> list[Rule]:
    """Every selector written in a profile file, with the key it is written under."""
    rules = []
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name):
        data = tomllib.loads(path.read_text("utf-8"))
        keyed = [("markers", data.get("markers", []))] + [(k, data.get("fields", {}).get(k, [])) for k in FIELD_NAMES]
        rules += [Rule(f"profile:{path.name[:-5]}", key, selector) for key, selectors in keyed for selector in selectors]
    return rules


def _file_chains(folder=BUNDLED_DIR) -> dict[str, list[str]]:
    """Each profile's name -> the file stems along its `extends`, its own first."""
    files = {}
    for path in folder.glob("*.toml"):
        data = tomllib.loads(path.read_text("utf-8"))
        files[data["name"]] = (path.name[:-5], data.get("extends"))
    chains = {}
    for name in files:
        chain, at = [], name
        while at in files:
            chain.append(files[at][0])
            at = files[at][1]
        chains[name] = chain
    return chains


def noise_rules() -> list[Rule]:
    return ([Rule("noise", "element", tag) for tag in GLOBAL_NOISE]
            + [Rule("noise", "widget-word", word) for word in _NOISE_WORDS]
            + [Rule("noise", "line", r.name) for r in LINE_RULES]
            + [Rule("noise", "line", name) for name in STRUCTURAL_LINE_RULES])


def page_sets(corpus: Path = CORPUS) -> dict[str, list[tuple[str, str, bytes]]]:
    """(name, url, bytes) of each page of each set; the corpus set is empty when it is absent."""
    sets: dict[str, list] = {s: [] for s in SETS}
    for gold in sorted(corpus.glob("*/*.gold.json")):
        page = gold.with_name(gold.name.replace(".gold.json", ".html"))
        url = json.loads(gold.read_text("utf-8")).get("url") or f"http://unknown.invalid/{page.name}"
        sets["corpus"].append((f"{gold.parent.name}/{page.name}", url, page.read_bytes()))
    for meta in sorted((ROOT / "fixtures").glob("*/*/meta.json")):
        url = json.loads(meta.read_text("utf-8"))["url"]
        sets["replicas"].append((f"{meta.parent.parent.name}/{meta.parent.name}", url, (meta.parent / "page.html").read_bytes()))
    labels = json.loads((ROOT / "fixtures" / "labelled" / "labels.json").read_text("utf-8"))
    for name, label in sorted(labels.items()):
        sets["labelled"].append((name, label["url"], (ROOT / "fixtures" / "labelled" / "pages" / f"{name}.html").read_bytes()))
    return sets


_WORDS = {w: re.compile(r"(?:^|[\s_\-])" + re.escape(w) + r"(?:$|[\s_\-]|\d)", re.I) for w in _NOISE_WORDS}
_WIDGET = re.compile(r"^widget-class \((.*)\)$", re.S)


_CHAINS = _file_chains()


def fired_noise(body: bytes, url: str) -> set[tuple[str, str, str]]:
    """(kind, key, rule) of each noise rule and profile noise selector the extraction of
    the page dropped something by."""
    trace = Trace()
    try:
        extract(body, url, trace=trace)
    except NotArticle:
        pass
    files = _CHAINS.get(trace.stage or "", [])
    fired = set()
    for note in trace.notes:
        if note.kind in ("line", "cut"):
            fired.add(("noise", "line", note.rule))
        elif note.kind == "element" and note.rule in GLOBAL_NOISE:
            fired.add(("noise", "element", note.rule))
        elif note.kind == "element" and (widget := _WIDGET.match(note.rule)):
            fired.update(("noise", "widget-word", w) for w, pattern in _WORDS.items() if pattern.search(widget.group(1)))
        elif note.kind == "element":
            fired.update((f"profile:{stem}", "noise", note.rule) for stem in files)
    return fired


def measure(rules: list[Rule], sets: dict[str, list]) -> list[Rule]:
    acting = {(r.kind, r.key, r.rule): r for r in rules if r.key == "noise" or r.kind == "noise"}
    selectors = [r for r in rules if (r.kind, r.key, r.rule) not in acting]
    for set_name, pages in sets.items():
        for name, url, body in pages:
            try:
                page = Page.load(body, url)
            except NotArticle:
                continue
            for rule in selectors:
                if page.select(rule.rule):
                    rule.pages[set_name].add(name)
            for key in fired_noise(body, url):
                if key in acting:
                    acting[key].pages[set_name].add(name)
    return rules


def table(rules: list[Rule]) -> str:
    lines = [f"{'rule':<34} {'key':<11} {'selector / rule':<60} {'corpus':>6} {'replica':>7} {'label':>5}  flag"]
    for r in rules:
        replicas = ", ".join(sorted(r.pages["replicas"])) if r.flag() or len(r.pages["corpus"]) <= 1 else ""
        counts = " ".join(f"{len(r.pages[s]):>{w}}" for s, w in zip(SETS, (6, 7, 5)))
        lines.append(f"{r.kind:<34} {r.key:<11} {r.rule[:60]:<60} {counts}  {r.flag()}"
                     + (f"  [replicas: {replicas}]" if replicas else ""))
    flagged = [r for r in rules if r.flag()]
    lines.append(f"\n{len(rules)} rules; {sum(r.flag() == 'dead' for r in flagged)} dead, "
                 f"{sum(r.flag() == 'one page' for r in flagged)} on one page; "
                 f"{sum(len(r.pages['corpus']) == 1 and not r.pages['replicas'] for r in rules)} on one corpus page and no replica")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="also write the counts and page names as JSON")
    args = parser.parse_args()
    rules = measure(profile_rules() + noise_rules(), page_sets(args.corpus))
    print(table(rules))
    if args.json:
        args.json.write_text(json.dumps(
            [{"kind": r.kind, "key": r.key, "rule": r.rule, "flag": r.flag(), **{s: sorted(p) for s, p in r.pages.items()}}
             for r in rules], ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
