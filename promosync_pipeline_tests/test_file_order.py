"""The order in which the suite's workers take test files (``support/file_order.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from promosync_pipeline_tests.support import file_order


def test_files_run_longest_first_unknown_ones_before_all_and_ties_in_their_order():
    ids = [
        "a/test_short.py::test_one",
        "a/test_long.py::test_one",
        "a/test_new.py::test_one",
        "a/test_short.py::test_two",
        "a/test_tie.py::test_one",
    ]
    seconds = {"a/test_short.py": 2.0, "a/test_long.py": 90.0, "a/test_tie.py": 2.0}

    rank = file_order.longest_first(ids, seconds)

    assert sorted(rank, key=rank.__getitem__) == [
        "a/test_new.py",
        "a/test_long.py",
        "a/test_short.py",
        "a/test_tie.py",
    ]


def test_the_record_adds_up_each_files_reports_and_keeps_the_files_not_run(tmp_path: Path):
    record = tmp_path / "seconds.json"
    record.write_text(json.dumps({"a/test_old.py": 9.0, "a/test_x.py": 1.0}))
    recorder = file_order.Recorder()
    recorder.add("a/test_x.py::test_one", 1.2)  # set-up
    recorder.add("a/test_x.py::test_one", 3.0)  # call
    recorder.add("a/test_y.py::test_two[sqlite]", 0.5)

    recorder.write(record)

    want = {"a/test_old.py": 9.0, "a/test_x.py": 4.2, "a/test_y.py": 0.5}
    assert json.loads(record.read_text()) == want
    assert file_order.load(record) == want
    assert file_order.load(tmp_path / "missing.json") == {}
