"""CPU time of live processes, from /proc: for processes that are not ours to reap (nginx)
or before they are reaped (the crawl's own, without its workers'). Linux only."""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command name (which may hold spaces): [0] is the state."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int(_stat(int(entry.name))[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            pass  # a process that ended meanwhile
    return found


def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime of `pid` (0 once it is gone), and of its live children with `children`."""
    total = 0.0
    for each in [pid, *(_children(pid) if children else [])]:
        try:
            fields = _stat(each)
            total += (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, ValueError, IndexError):
            pass
    return total
