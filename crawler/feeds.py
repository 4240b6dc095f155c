"""Feed storage that survives a killed crawl."""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage


class SafeFileFeedStorage(FileFeedStorage):
    """A local feed file, written unbuffered. Appending to a file that a killed run left mid-line first cuts
    that half-written line, so a resumed crawl never glues two records together (the
    article it held is fetched again: the dedup store forgot it, see crawler/dedup)."""

    def open(self, spider: Spider) -> IO[bytes]:
        if self.write_mode == "ab":
            trim_partial_line(Path(self.path))
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered: each exported line reaches the file in one write, before the dedup
        # store marks its article as emitted (crawler/dedup/pipeline.py commits per item).
        return path.open(self.write_mode, buffering=0)


def trim_partial_line(path: Path) -> int:
    """Truncate `path` after its last newline; return the bytes removed."""
    if not path.is_file():
        return 0
    size = path.stat().st_size
    with path.open("rb+") as handle:
        position = size
        while position > 0:
            step = min(65536, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = position - step + newline + 1
                break
            position -= step
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    return size - keep
