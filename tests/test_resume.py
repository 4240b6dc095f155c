"""A JOBDIR crawl killed with SIGKILL at random points and resumed until done: every
article exactly once in the union of its output, no half-written line."""
from crawler.feeds import trim_partial_line
from crawler.robustness import resume_drill


def test_killed_and_resumed_crawl_emits_every_article_once(tmp_path):
    drill, kills = resume_drill(tmp_path, seed=11)
    assert kills >= 2, "the drill must really kill the crawl mid-way"
    assert drill.notes == []  # finished, and every line whole
    assert (drill.crashes, drill.lost, drill.duplicates) == (0, 0, 0)


def test_trim_partial_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert trim_partial_line(path) == 6
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert trim_partial_line(path) == 0
    path.write_bytes(b'{"half')
    trim_partial_line(path)
    assert path.read_bytes() == b""
