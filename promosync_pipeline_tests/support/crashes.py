"""Crash consistency: ``kill -9`` a ``promosync sync --all`` at a seeded moment of its fetch,
staging, catalog write or image upload, then check that a normal sync converges.

Shared by ``reliability/test_crash_consistency.py`` (a few points, in CI) and
``benchmarks/crash_benchmark.py`` (many). A point is a phase and how far into the phase's work
the sync gets before its whole process group is killed (:class:`KillPoint`); the work is known
before the sync starts (:func:`pending_work`): the product files whose index hash the catalog
does not have, and the source images of those families not stored yet. After the kill,
:func:`check_converged` runs a normal sync and checks what the issue asks for: the catalog
equals the feed, no ``sync_errors`` row is open, nothing is left staged, no lease is held,
every image row is stored with its object, two sequential syncs leave the same catalog
(timestamps aside), and with the Dagster instance deleted the next sync downloads nothing.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer
from promosync_pipeline.promidata import Family
from promosync_pipeline_tests.support import processes
from promosync_pipeline_tests.support.catalog import dump, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_catalog_equals_feed
from promosync_pipeline_tests.support.cli import cli_env, run_cli, start_cli

PHASES = ("fetch", "stage", "write", "images")
UNITS = {
    "fetch": "product files served",
    "stage": "staged rows",
    "write": "families written",
    "images": "images served",
}
"""What the threshold of each phase counts: the feed simulator's answers for ``fetch`` and
``images`` (it runs in this process), catalog rows for ``stage`` (``staged_families``) and
``write`` (``products`` rows written since the sync started)."""
LEASE_TTL_S = 5
"""``PROMOSYNC_LEASE_TTL_SECONDS`` of the syncs: on SQLite the lease of a killed sync is a row
that only expiry frees, and the recovery sync waits for it (60 s by default; PostgreSQL frees
its advisory lock the moment the killed connection drops)."""
SYNC_TIMEOUT_S = 300.0


# -- kill points -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What the next sync has to do, counted before it starts."""

    files: int
    """Product files it downloads, stages and writes (one family each)."""
    images: int
    """Source images it downloads."""

    def of(self, phase: str) -> int:
        return self.images if phase == "images" else self.files


@dataclass(frozen=True)
class KillPoint:
    phase: str
    """One of :data:`PHASES`."""
    share: float
    """How far into the phase's work the sync is killed, from 0 (its first unit) to 1."""

    def threshold(self, work: Work) -> int:
        """The count of :data:`UNITS` at which the sync is killed (1 .. the phase's work)."""
        return 1 + int(self.share * max(0, work.of(self.phase) - 1))


def kill_points(seed: int, n: int) -> list[KillPoint]:
    """``n`` points, the phases spread evenly (each ``n // 4`` or one more times, in a seeded
    order), each with a seeded share of its phase's work."""
    rng = random.Random(seed)
    phases = [PHASES[i % len(PHASES)] for i in range(n)]
    rng.shuffle(phases)
    return [KillPoint(phase, round(rng.uniform(0.05, 0.95), 2)) for phase in phases]


def family_image_urls(family: Family) -> set[str]:
    """Every source image of a family: its variants' pictures and its print areas'."""
    urls = {image.url for variant in family.variants for image in variant.images}
    for variant in family.variants:
        urls.update(image.url for position in variant.positions for image in position.images)
    return urls


def pending_work(url: str, generator: FeedGenerator) -> Work:
    """The work a sync of the whole feed has left in the catalog at ``url`` (none migrated
    yet: everything): the families listed with an index hash the catalog has not stored for an
    active product, and their images not stored yet."""
    p, s = t.products, t.image_sources
    hashes = sa.select(p.c.sku, p.c.source_hash).where(p.c.is_active)
    sources = sa.select(s.c.source_url).where(s.c.status == t.ImageStatus.STORED)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = {sku: (value or "").upper() for sku, value in conn.execute(hashes)}
            have = set(conn.execute(sources).scalars())
    except sa.exc.DBAPIError:  # not migrated yet
        stored, have = {}, set()
    finally:
        engine.dispose()
    files = [
        sku for sku in generator.all_skus() if stored.get(sku) != generator.listed_hash(sku).upper()
    ]
    images: set[str] = set()
    for sku in files:
        images |= family_image_urls(generator.family(sku))
    return Work(len(files), len(images - have))


# -- the syncs ---------------------------------------------------------------------------------


@dataclass
class Rig:
    """A catalog, the feed simulator it syncs from and a folder of its own: the Dagster
    instance (``dagster/``), the image store (``images/``), the raw archive (``archive/``)."""

    feed: FeedServer
    url: str
    folder: Path

    @property
    def dagster_home(self) -> Path:
        return self.folder / "dagster"

    @property
    def images(self) -> Path:
        return self.folder / "images"

    def env(self) -> dict[str, str]:
        """The environment of the rig's ``promosync`` commands (no supplier filter, no
        webhook from the calling shell)."""
        env = cli_env(self.feed.base_url, self.url, self.dagster_home)
        for name in (settings.SUPPLIERS, settings.ALERT_WEBHOOK_URL, settings.CHANGES_WEBHOOK_URL):
            env.pop(name, None)
        env[settings.IMAGE_STORE] = str(self.images)
        env[settings.ARCHIVE_STORE] = str(self.folder / "archive")
        env[settings.LEASE_TTL_SECONDS] = str(LEASE_TTL_S)
        return env

    def sync(self) -> subprocess.CompletedProcess[str]:
        """``promosync sync --all`` (images included), to its end."""
        return run_cli("sync", "--all", env=self.env(), cwd=self.folder)

    def start_sync(self) -> subprocess.Popen[str]:
        """The same, started in a process group of its own."""
        return start_cli("sync", "--all", env=self.env(), cwd=self.folder, new_session=True)


@dataclass
class KillOutcome:
    point: KillPoint
    work: Work
    threshold: int
    killed: bool
    """Killed at the threshold; False: the sync ended first (the point was not tried)."""
    seen: int
    """The count of the phase's units when the sync was killed, or when it ended."""
    exit_code: int | None
    seconds: float
    left: list[processes.Proc] = field(default_factory=list)
    """Processes of the sync still running 5 s after the kill (there must be none)."""

    def describe(self) -> str:
        if self.killed:
            return f"killed at {self.seen} {UNITS[self.point.phase]}"
        if self.exit_code == -signal.SIGKILL:
            return f"did not end within {SYNC_TIMEOUT_S:.0f} s (killed then, not counted)"
        return f"ended first (exit {self.exit_code}, {self.seen} {UNITS[self.point.phase]})"


@contextmanager
def _progress(rig: Rig, phase: str, since: datetime) -> Iterator[Callable[[], int]]:
    """A callable that counts the phase's :data:`UNITS` done so far (0 before the catalog is
    migrated). The feed's counters are read by key: its server thread updates them. Staged
    rows are counted per sync run, each at the most seen: a supplier's are deleted once
    written, before the next supplier stages its own."""
    if phase == "fetch":
        yield lambda: rig.feed.stats.requests["product"]
        return
    if phase == "images":
        yield lambda: rig.feed.stats.requests["image"]
        return
    s, p = t.staged_families, t.products
    query = sa.select(s.c.sync_run_id, sa.func.count()).group_by(s.c.sync_run_id)
    if phase == "write":
        query = sa.select(sa.literal(0), sa.func.count()).where(p.c.last_synced_at >= since)
    engine = make_engine(rig.url)
    peak: dict[int, int] = {}

    def count() -> int:
        try:
            with engine.connect() as conn:
                for key, n in conn.execute(query):
                    peak[key] = max(n, peak.get(key, 0))
        except sa.exc.DBAPIError:
            pass  # not migrated yet
        return sum(peak.values())

    try:
        yield count
    finally:
        engine.dispose()


def kill_at(rig: Rig, point: KillPoint, work: Work | None = None) -> KillOutcome:
    """Start a sync and ``kill -9`` its whole process group once the phase's count reaches
    the point's threshold of ``work`` (by default :func:`pending_work`); the feed's counters
    are reset first."""
    work = work if work is not None else pending_work(rig.url, rig.feed.generator)
    threshold = point.threshold(work)
    rig.feed.stats.reset()
    since, started = datetime.now(UTC), time.monotonic()
    process = rig.start_sync()
    tree: list[processes.Proc] = []
    seen, killed = 0, False
    pause = 0.005 if point.phase in ("fetch", "images") else 0.02
    with _progress(rig, point.phase, since) as progress:
        try:
            while process.poll() is None and time.monotonic() - started < SYNC_TIMEOUT_S:
                seen = progress()
                if seen >= threshold:
                    tree = processes.descendants(process.pid)
                    os.killpg(process.pid, signal.SIGKILL)
                    killed = True
                    break
                time.sleep(pause)
        finally:
            if process.poll() is None and not killed:  # hung: not a point tried
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(60)
    killed = killed and process.returncode == -signal.SIGKILL
    left = processes.still_running(tree, within_s=5) if killed else []
    seconds = time.monotonic() - started
    return KillOutcome(point, work, threshold, killed, seen, process.returncode, seconds, left)


# -- convergence -------------------------------------------------------------------------------

CHANGING_TABLES = (t.sync_runs,)
"""Tables a sync that changes nothing still writes to, left out when two syncs' catalogs are
compared: each sync opens a ``sync_runs`` row of its own per supplier, holding that sync's
counts. (``change_previews`` holds dry runs only; ``feed_cache`` keeps the same index, the
time it was fetched aside; both are compared.)"""


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-600:]


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _leftovers(url: str) -> list[str]:
    """Open ``sync_errors`` (of any stage), staged rows, supplier leases and, on PostgreSQL,
    advisory locks held in the catalog's database."""
    problems = []
    e = t.sync_errors
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            open_errors = conn.execute(
                sa.select(e.c.stage, e.c.sku, e.c.error).where(e.c.resolved_at.is_(None))
            ).all()
            if open_errors:
                stage, sku, error = open_errors[0]
                problems.append(
                    f"{len(open_errors)} open sync_errors, first: {stage} {sku}: {error[:200]}"
                )
            if staged := _count(conn, t.staged_families):
                problems.append(f"{staged} staged rows left")
            if leases := _count(conn, t.supplier_leases):
                problems.append(f"{leases} supplier_leases rows left")
            if conn.dialect.name == "postgresql" and (locks := _advisory_locks(conn)):
                problems.append(f"{locks} advisory locks held")
    finally:
        engine.dispose()
    return problems


def _advisory_locks(conn: sa.Connection) -> int:
    query = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return int(conn.execute(sa.text(query)).scalar_one())


def _image_problems(url: str, folder: Path) -> list[str]:
    """Every image row ``stored``, with its object in the store at its size; every
    ``image_objects`` row's object there."""
    problems = []
    images = rows(url, t.product_images)
    unsettled = [r for r in images if r["status"] != t.ImageStatus.STORED]
    if unsettled:
        first = unsettled[0]
        problems.append(
            f"{len(unsettled)} of {len(images)} image rows not stored, first: "
            f"{first['status']} {first['source_url']} {first['error'] or ''}".strip()
        )
    for row in images:
        if row["status"] == t.ImageStatus.STORED and not _stored(folder, row):
            problems.append(f"stored image row without its object: {row['storage_key']}")
            break
    for obj in rows(url, t.image_objects):
        if not _stored(folder, obj):
            problems.append(f"image_objects row without its object: {obj['storage_key']}")
            break
    return problems


def _stored(folder: Path, row: dict[str, Any]) -> bool:
    path = folder / (row["storage_key"] or "")
    return path.is_file() and path.stat().st_size == row["bytes"]


def state_problems(rig: Rig) -> list[str]:
    """What the catalog and the image store show that a converged sync must not leave."""
    problems = []
    try:
        assert_catalog_equals_feed(rig.url, rig.feed.generator)
    except AssertionError as exc:
        problems.append(f"the catalog differs from the feed: {_first_line(exc)}")
    return problems + _leftovers(rig.url) + _image_problems(rig.url, rig.images)


def content(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The catalog's rows, timestamps and :data:`CHANGING_TABLES` left out."""
    return dump(url, leave_out=CHANGING_TABLES, timestamps=False)


def _differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> str | None:
    changed = [name for name in before if before[name] != after.get(name)]
    if not changed:
        return None
    name = changed[0]
    gone = [r for r in before[name] if r not in after[name]]
    new = [r for r in after[name] if r not in before[name]]
    first = f"first gone {gone[0]!r:.200}" if gone else f"first new {new[0]!r:.200}"
    return f"tables {', '.join(changed)} differ ({name}: {len(gone)} gone, {len(new)} new; {first})"


def _resync_problems(rig: Rig, before: dict[str, list[Any]], which: str) -> list[str]:
    """Another sync: it succeeds, downloads nothing and leaves the catalog as it was."""
    rig.feed.stats.reset()
    done = rig.sync()
    if done.returncode != 0:
        return [f"{which} failed (exit {done.returncode}): {_tail(done)}"]
    problems = []
    downloads = rig.feed.stats.product_downloads(), rig.feed.stats.requests["image"]
    if any(downloads):
        problems.append(f"{which} downloaded {downloads[0]} product files, {downloads[1]} images")
    if (differs := _differences(before, content(rig.url))) is not None:
        problems.append(f"{which} changed the catalog: {differs}")
    return problems


def check_converged(rig: Rig, *, one_resync: bool = False) -> list[str]:
    """After a killed sync: a normal sync must succeed and leave the catalog equal to the feed
    with nothing left over (:func:`state_problems`); a second sync must download nothing and
    leave the same catalog, timestamps aside (:func:`content`); so must a third one, run with
    the Dagster instance deleted. With ``one_resync`` the second sync already runs without the
    instance (one sync fewer, for CI's time budget). The problems found, the first one first
    ([]: converged)."""
    recovery = rig.sync()
    if recovery.returncode != 0:
        return [f"the recovery sync failed (exit {recovery.returncode}): {_tail(recovery)}"]
    problems = state_problems(rig)
    before = content(rig.url)
    if not one_resync:
        problems += _resync_problems(rig, before, "a second sync")
    shutil.rmtree(rig.dagster_home)
    problems += _resync_problems(rig, before, "with the Dagster instance deleted, a sync")
    return problems


# -- the feed between points -------------------------------------------------------------------


class FeedChurn:
    """Changes the simulator's feed between kill points, seeded, so that every sync has work
    in every phase: content and prices changed, families removed, removed ones listed again
    and new ones added (new images). Price moves stay within 10 %, removals a few families: no
    guard refuses the sync."""

    def __init__(self, generator: FeedGenerator, seed: int) -> None:
        self.generator = generator
        self.rng = random.Random(f"churn:{seed}")
        self.removed: list[str] = []

    def step(self) -> str:
        """Change the feed; what changed, in a few words."""
        g, rng = self.generator, self.rng
        pool = g.all_skus()
        changed = g.change_families(max(1, round(len(pool) * rng.uniform(0.03, 0.3))))
        priced = g.change_prices(skus=rng.sample(pool, max(1, len(pool) // 20)), factor=1.1)
        untouched = sorted(set(pool) - set(changed) - set(priced))
        gone = g.remove_families(rng.sample(untouched, min(len(untouched), rng.randint(1, 3))))
        back = g.restore_families(self.removed[: rng.randint(0, len(self.removed))])
        self.removed = [*self.removed[len(back) :], *gone]
        code = rng.choice(g.supplier_codes())
        added = g.add_families(code, rng.randint(2, 6))
        return (
            f"{len(changed)} changed, {len(priced)} repriced, {len(gone)} removed, "
            f"{len(back)} back, {len(added)} added"
        )
