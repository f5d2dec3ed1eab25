"""SIGTERM after an in-process job run, where SIGINT is ignored (a job a non-interactive shell
started with ``&``): Dagster leaves it mapped to SIGINT's handler, ``sigterm_kept`` restores it."""

from __future__ import annotations

import signal
import subprocess
import sys

import dagster as dg

from promosync_pipeline.signals import sigterm_kept


@dg.op
def _one() -> int:
    return 1


@dg.job
def _job() -> None:
    _one()


def test_after_a_job_run_sigterm_still_ends_the_process_and_the_ones_it_starts():
    sigint, sigterm = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _job.execute_in_process()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN, "Dagster no longer does this"
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

        with sigterm_kept():
            assert _job.execute_in_process().success
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        child.terminate()
        assert child.wait(10) == -signal.SIGTERM
    finally:
        signal.signal(signal.SIGINT, sigint)
        signal.signal(signal.SIGTERM, sigterm)
