"""Crash consistency, reduced for CI: ``kill -9`` of a whole ``promosync sync --all`` (its
process group, as a dying container) during the fetch, the staging, the catalog write and the
image upload, then a normal sync converges (``support/crashes.py``).

Each point runs on the same catalog, the feed changed between points (``FeedChurn``), so every
sync has work in every phase. The long, seeded run (24 points and more, each backend) is
``benchmarks/crash_benchmark.py``. To fit CI's time budget, the second sync after a recovery is
already the one with the Dagster instance deleted (``check_converged(..., one_resync=True)``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.support.crashes import (
    PHASES,
    FeedChurn,
    KillPoint,
    Rig,
    check_converged,
    kill_at,
    kill_points,
    state_problems,
)

pytestmark = pytest.mark.slow

SEED = 7


def _crash_and_converge(rig: Rig, point: KillPoint) -> None:
    """Kill a sync at ``point``, then check that a normal sync converges."""
    outcome = kill_at(rig, point)
    assert outcome.killed, f"{point}: {outcome.describe()} (of {outcome.work})"
    assert not outcome.left, f"still running after kill -9: {outcome.left}"
    assert state_problems(rig), f"{point}: the killed sync had left nothing undone"
    problems = check_converged(rig, one_resync=True)
    assert problems == [], f"{point} ({outcome.describe()}): {problems}"


def test_kill_in_every_phase_then_a_sync_converges_on_postgres(pg_url: str, tmp_path: Path):
    points = kill_points(SEED, 4)
    assert sorted(p.phase for p in points) == sorted(PHASES)
    spec = FeedSpec(seed=SEED, suppliers=1, families=30, exact=True, image_size=(240, 180))
    with FeedServer(FeedGenerator(spec)) as feed:
        rig = Rig(feed, pg_url, tmp_path)
        churn = FeedChurn(feed.generator, SEED)
        for number, point in enumerate(points):
            if number:  # the first point kills the first sync of an empty catalog
                churn.step()
            _crash_and_converge(rig, point)


def test_kill_during_the_write_then_a_sync_converges_on_sqlite(sqlite_url: str, tmp_path: Path):
    """On SQLite the killed sync's lease is a row that expires (``crashes.LEASE_TTL_S``); the
    recovery sync waits for it, then takes over."""
    spec = FeedSpec(seed=SEED, suppliers=1, families=20, exact=True, image_size=(240, 180))
    with FeedServer(FeedGenerator(spec)) as feed:
        rig = Rig(feed, sqlite_url, tmp_path)
        _crash_and_converge(rig, KillPoint("write", 0.5))
