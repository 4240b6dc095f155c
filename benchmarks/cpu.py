"""CPU time of processes from /proc, sampled while they live: the crawl process's own share
apart from its workers', and nginx, which is not ours to reap. Linux only."""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, list[str]]:
    """pid -> /proc/<pid>/stat's fields after the command name: [1] is the parent, [11:15]
    utime, stime, and the children's it reaped, cutime and cstime."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                found[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            pass  # a process that ended meanwhile
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of `pid` and every live descendant, each with the children it reaped."""
    stats = _stats()
    tree, grew = {pid} & set(stats), True
    while grew:
        more = {child for child, fields in stats.items() if int(fields[1]) in tree} - tree
        tree, grew = tree | more, bool(more)
    return sum(sum(map(int, stats[each][11:15])) for each in tree) / TICKS


def own_cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` alone (0 once it is gone)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS
