"""The order in which the suite's workers take test files: the longest first.

The workers are handed whole files in collection order (``--dist loadfile
--no-loadscope-reorder``, see ``scripts/test``), the next ones as each runs short of work. A
long file handed out last runs alone at the end while the other core has nothing left to do;
handed out first, the short files fill in beside it. How long a file takes is what it took in a
recorded run of the whole suite, kept in ``file_seconds.json`` beside this module and updated by
``scripts/test --record-file-seconds`` when that run passes. A file the record does not know
yet goes first.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

RECORD = Path(__file__).with_name("file_seconds.json")
OPTION = "--record-file-seconds"


def file_of(node_id: str) -> str:
    """The test file of a test id (``a/test_x.py::test_one[sqlite]`` → ``a/test_x.py``)."""
    return node_id.split("::")[0]


def load(record: Path = RECORD) -> dict[str, float]:
    """Seconds by test file (its path as in a test id), or nothing without a record."""
    return json.loads(record.read_text()) if record.exists() else {}


def longest_first(node_ids: Iterable[str], seconds: Mapping[str, float]) -> dict[str, int]:
    """The rank of each test's file when files are run longest first, unknown files before
    all others; the files' own order breaks ties."""
    files = list(dict.fromkeys(file_of(node_id) for node_id in node_ids))
    files.sort(key=lambda path: -seconds.get(path, float("inf")))  # stable: ties keep order
    return {path: rank for rank, path in enumerate(files)}


class Recorder:
    """Adds up the seconds of each file's tests (set-up, call and tear-down) as they report."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def add(self, node_id: str, duration_s: float) -> None:
        self.seconds[file_of(node_id)] += duration_s

    def write(self, record: Path = RECORD) -> None:
        """Update ``record`` with this run's files; the files it did not run keep theirs."""
        merged = {**load(record), **self.seconds}
        ordered = dict(sorted(((k, round(v, 1)) for k, v in merged.items())))
        record.write_text(json.dumps(ordered, indent=1) + "\n")
