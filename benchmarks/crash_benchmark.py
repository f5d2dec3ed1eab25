"""Crash consistency, long and seeded: ``kill -9`` of ``promosync sync --all`` at many points
of its fetch, staging, catalog write and image upload, each followed by the convergence checks.

    .venv/bin/python -m benchmarks.crash_benchmark [--points 24] [--seed 1]
        [--backend postgresql|sqlite] [--families 150] [--suppliers 2] [--admin-url URL]

One catalog (a PostgreSQL database created under a random name and dropped at the end, or an
SQLite file) and one feed simulator, in this process, for every point. Before each point but
the first (which kills the first sync of the empty catalog) the feed changes: families changed,
repriced, removed, listed again and added (``support/crashes.FeedChurn``), so each sync has
work in every phase. The points (``support/crashes.kill_points``) spread evenly over the four
phases; each kills the sync's whole process group once the phase has done a seeded share of
its work, then ``check_converged`` runs a normal sync and checks the catalog against the feed,
leftovers (open errors, staged rows, leases, advisory locks), the images, two more syncs
(timestamps aside, nothing downloaded), the second with the Dagster instance deleted.

A point whose sync ended before its threshold was reached is not counted as tried. A point
that does not converge is recorded and the run goes on; the exit status is 1 if any did not.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.support.crashes import (
    UNITS,
    FeedChurn,
    KillOutcome,
    KillPoint,
    Rig,
    check_converged,
    kill_at,
    kill_points,
)
from promosync_pipeline_tests.support.databases import PG_ADMIN_URL, Databases, admin_engine

HEADER = f"{'#':>3}  {'phase':<8}{'threshold':<34}{'killed':<28}{'converged':<40}{'s':>6}"


@dataclass
class PointResult:
    outcome: KillOutcome | None
    problems: list[str]
    seconds: float

    @property
    def tried(self) -> bool:
        return self.outcome is not None and self.outcome.killed


def run_point(rig: Rig, point: KillPoint) -> PointResult:
    """Kill a sync at ``point``, then check convergence; an error is a problem, not a stop."""
    started = time.monotonic()
    outcome = None
    try:
        outcome = kill_at(rig, point)
        problems = [f"left running: {outcome.left}"] if outcome.left else []
        problems += check_converged(rig)
    except Exception as exc:  # recorded: the next points still run
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        problems = [f"{type(exc).__name__}: {first}"]
    return PointResult(outcome, problems, time.monotonic() - started)


def row(number: int, point: KillPoint, result: PointResult) -> str:
    outcome = result.outcome
    threshold, killed = "-", "-"
    if outcome is not None:
        work = outcome.work.of(point.phase)
        threshold = f"{outcome.threshold} of {work} {UNITS[point.phase]}"
        if outcome.killed:
            killed = f"yes, at {outcome.seen}"
        elif outcome.exit_code == -signal.SIGKILL:
            killed = "no: hung, killed at timeout"
        else:
            killed = f"no: ended first (exit {outcome.exit_code})"
    converged = "yes" if not result.problems else f"NO: {result.problems[0]}"
    return (
        f"{number:>3}  {point.phase:<8}{threshold:<34}{killed:<28}{converged:<40}"
        f"{result.seconds:>6.1f}"
    )


def run(url: str, folder: Path, args: argparse.Namespace) -> list[PointResult]:
    spec = FeedSpec(
        seed=args.seed,
        suppliers=args.suppliers,
        families=args.families,
        exact=True,
        image_size=(240, 180),
    )
    results = []
    with FeedServer(FeedGenerator(spec)) as feed:
        rig = Rig(feed, url, folder)
        churn = FeedChurn(feed.generator, args.seed)
        print(HEADER, flush=True)
        for number, point in enumerate(kill_points(args.seed, args.points), start=1):
            if number > 1:
                print(f"{'':>5}feed: {churn.step()}", flush=True)
            result = run_point(rig, point)
            results.append(result)
            print(row(number, point, result), flush=True)
            for problem in result.problems[1:]:
                print(f"{'':>5}also: {problem}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--families", type=int, default=150, help="families per supplier")
    parser.add_argument("--suppliers", type=int, default=2)
    parser.add_argument("--admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="promosync-crash-") as name:
        folder = Path(name)
        if args.backend == "sqlite":
            results = run(f"sqlite:///{folder / 'catalog.sqlite'}", folder, args)
        else:
            databases = Databases(admin_engine(args.admin_url), prefix="promosync_crash")
            try:
                results = run(databases.create(), folder, args)
            finally:
                databases.drop_all()
                databases.admin.dispose()
    tried = [r for r in results if r.tried]
    converged = [r for r in tried if not r.problems]
    print(
        f"{args.backend}, seed {args.seed}, {args.suppliers} x {args.families} families, "
        f"{time.monotonic() - started:.0f} s"
    )
    print(f"{len(tried)} points tried (killed mid-sync), {len(converged)} converged")
    return 0 if all(not r.problems for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
