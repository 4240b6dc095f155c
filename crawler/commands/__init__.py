"""Project commands, found through COMMANDS_MODULE.

In a checkout, Scrapy also finds the test bench's commands here (testbench/commands/:
`scrapy offline`, `scrapy robustness`): Scrapy walks one COMMANDS_MODULE, so this package's
path takes the bench's folder when the top-level `testbench` package is importable. The
wheel and the Scrapyd egg hold no bench, so there `scrapy -h` lists only the commands that
work from them.
"""
from importlib.util import find_spec
from pathlib import Path

_bench = find_spec("testbench")
if _bench is not None and _bench.origin:
    __path__.append(str(Path(_bench.origin).parent / "commands"))
