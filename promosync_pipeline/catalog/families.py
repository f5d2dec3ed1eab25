"""Writing families: batched, one transaction per batch, a bad family failing alone.

A family's rows (product, variants, price tiers, image references) are written in one
transaction, and the family's open download/parse/write errors are resolved in it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.changes import (
    family_changes,
    insert_changes,
    removal_changes,
    stored_families,
)
from promosync_pipeline.catalog.engine import is_postgres, writer
from promosync_pipeline.catalog.errors import resolve_in
from promosync_pipeline.catalog.image_refs import reconcile_image_refs
from promosync_pipeline.catalog.records import WriteStats
from promosync_pipeline.catalog.rows import FamilyRows, problem
from promosync_pipeline.catalog.schema import FAMILY_STAGES
from promosync_pipeline.catalog.sql import IN_LIST_SIZE, among, chunks
from promosync_pipeline.catalog.writers import (
    CHARGES,
    IMPRINT_PRICES,
    OPTIONS,
    POSITIONS,
    TERMS,
    TIERS,
    row_writer,
)

BATCH_FAMILIES = 200
BATCH_VARIANTS = 4000
"""Caps a batch's IN lists and transaction size whatever the families look like."""
FAMILY_FAULTS = (sa.exc.IntegrityError, sa.exc.DataError)
"""Errors caused by a family's values; anything else (a lost connection …) is raised."""
WRITE_CONNECTIONS = 2
"""Batches written at once on PostgreSQL, each in its own transaction on its own connection.
A batch's write is some Python (decoding, the image rows) and mostly server work (index
updates): with two, each keeps a server backend busy while the other's Python runs or its
backend works too. In two alternating runs of a 5,000-family first sync the write took 3.0 s
with two against 4.0 s with one. SQLite has one writer at a time: one connection."""
DEADLOCK_RETRIES = 3
"""Two batches share no SKU, yet their row locks can still meet (a variant taken over from a
family the other batch writes): PostgreSQL then aborts one of them, which is written again."""


@dataclass
class _Batch:
    families: list[FamilyRows] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    """Variant SKU -> family SKU within this batch."""
    variants: int = 0

    @property
    def size(self) -> int:
        return len(self.families) + len(self.rejected)

    @property
    def skus(self) -> set[str]:
        """The product and variant SKUs whose rows this batch writes."""
        return {f.sku for f in self.families} | self.owners.keys()


@dataclass(frozen=True)
class WriteTarget:
    """What a write is for: the supplier, its time, and whether (and for which sync run) the
    changes it commits go to the change feed."""

    supplier_code: str
    now: datetime
    record_changes: bool = False
    sync_run_id: int | None = None


class FamilyWriter:
    """The writes of families to the catalog tables, behind one engine."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        batch_families: int = BATCH_FAMILIES,
        batch_variants: int = BATCH_VARIANTS,
    ) -> None:
        self.engine = engine
        self.batch_families = batch_families
        self.batch_variants = batch_variants

    def write(
        self,
        supplier_code: str,
        families: Iterable[FamilyRows],
        now: datetime,
        *,
        on_batch: Callable[[int], None] | None = None,
        changes_of: int | None = None,
    ) -> WriteStats:
        """Upsert families with their variants, prices, order terms, decoration and image
        references, batch by batch; with ``changes_of`` (a sync run id), record what each batch
        changes in ``catalog_changes`` in the batch's own transaction.

        ``families`` is consumed lazily, so a whole supplier never sits in memory. A family is
        written whole or not at all. A family that cannot be written is reported in
        ``WriteStats.failed`` with the reason, and every other family is committed: values the
        schema would refuse and variant SKUs owned by another active family are caught before
        writing; if the database still refuses a batch, it is split in halves until the bad
        families are isolated. Variants that left a family become inactive; the family's price
        tiers are replaced exactly. ``on_batch(n)`` is called after each batch with the number
        of families it settled (written or failed), in the feed's order.

        On PostgreSQL :data:`WRITE_CONNECTIONS` batches are written at once while the next one
        is read; a batch that shares a SKU with one being written waits for it.
        """
        stats = WriteStats()
        target = WriteTarget(supplier_code, now, changes_of is not None, changes_of)
        connections = WRITE_CONNECTIONS if is_postgres(self.engine) else 1
        # batches being written, oldest first, each with the SKUs it writes
        writing: deque[tuple[Future[WriteStats], _Batch, set[str]]] = deque()

        def settle_oldest() -> None:
            future, batch, _ = writing.popleft()
            stats.add(future.result())
            if on_batch is not None:
                on_batch(batch.size)

        # The next batch is read and checked while the last ones are written.
        with ThreadPoolExecutor(connections, thread_name_prefix="catalog-write") as pool:
            for batch in self._batches(supplier_code, families):
                stats.failed.update(batch.rejected)
                skus = batch.skus
                # A batch sharing a SKU with one being written waits for it: the feed's order
                # decides who owns a contested variant, as when batches are written in turn.
                while len(writing) >= connections or any(
                    not skus.isdisjoint(other) for _, _, other in writing
                ):
                    settle_oldest()
                future = pool.submit(self._commit_batch, target, batch)
                writing.append((future, batch, skus))
            while writing:
                settle_oldest()
        return stats

    def _commit_batch(self, target: WriteTarget, batch: _Batch) -> WriteStats:
        stats = WriteStats()
        self._commit(target, batch.families, stats)
        return stats

    def _batches(self, supplier_code: str, families: Iterable[FamilyRows]) -> Iterator[_Batch]:
        batch = _Batch()
        in_batch: set[str] = set()
        for rows in families:
            full = batch.size >= self.batch_families or (
                batch.variants + len(rows.variants) > self.batch_variants
            )
            if batch.size and (full or rows.sku in in_batch):
                yield batch
                batch, in_batch = _Batch(), set()
            in_batch.add(rows.sku)
            reason = problem(rows, supplier_code)
            if reason is None:
                clash = next((s for s in rows.variant_skus if s in batch.owners), None)
                if clash is not None:
                    reason = f"variant SKU {clash} also belongs to family {batch.owners[clash]}"
            if reason is not None:
                batch.rejected[rows.sku] = reason
                continue
            batch.families.append(rows)
            batch.owners.update((sku, rows.sku) for sku in rows.variant_skus)
            batch.variants += len(rows.variants)
        if batch.size:
            yield batch

    def _commit(self, target: WriteTarget, families: list[FamilyRows], stats: WriteStats) -> None:
        """Write ``families`` in one transaction; on a refusal, halve until it is isolated.
        A transaction PostgreSQL aborts as a deadlock victim is run again."""
        if not families:
            return
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                self._commit_once(target, families, stats)
                return
            except sa.exc.OperationalError as exc:
                if attempt == DEADLOCK_RETRIES or not _deadlocked(exc):
                    raise

    def _commit_once(
        self, target: WriteTarget, families: list[FamilyRows], stats: WriteStats
    ) -> None:
        try:
            with writer(self.engine).begin() as conn:
                if is_postgres(conn):
                    # Every lookup of a write is by key. In a first sync the tables grow
                    # faster than their statistics, which still say "empty", and the planner
                    # scans them whole: a probe of 1,300 SKUs into 250,000 unanalyzed tiers
                    # took 3.3 s by a sequential scan, against milliseconds by the index.
                    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                    # That prices a scan of a staging table at 10^10, above jit_above_cost:
                    # each merge would compile JIT code (0.25 s) to touch a few hundred rows.
                    conn.exec_driver_sql("SET LOCAL jit = off")
                done = self._write(conn, target, families)
        except FAMILY_FAULTS as exc:
            if len(families) == 1:
                stats.failed[families[0].sku] = _describe(exc)
                return
            middle = len(families) // 2
            self._commit(target, families[:middle], stats)
            self._commit(target, families[middle:], stats)
            return
        stats.add(done)

    def _write(
        self, conn: sa.Connection, target: WriteTarget, families: list[FamilyRows]
    ) -> WriteStats:
        done = WriteStats()
        code, now = target.supplier_code, target.now
        conflicts = _ownership_conflicts(conn, code, families)
        if conflicts:
            done.failed.update(conflicts)
            families = [f for f in families if f.sku not in conflicts]
            if not families:
                return done
        skus = [f.sku for f in families]
        # what the catalog holds of them, read before it is replaced: the change feed's "old"
        stored = stored_families(conn, skus) if target.record_changes else {}
        _write_rows(conn, families, now)
        resolve_in(conn, code, skus, now, FAMILY_STAGES)
        if target.record_changes:
            changes = [c for f in families for c in family_changes(code, f, stored.get(f.sku), now)]
            insert_changes(conn, changes, target.sync_run_id)
        done.products_written = len(families)
        done.variants_written = sum(len(f.variants) for f in families)
        done.price_tiers_written = sum(f.tiers.count for f in families)
        done.decoration_written = sum(f.decoration_count for f in families)
        return done

    def touch_unchanged(
        self, supplier_code: str, sources: Mapping[str, str | tuple[str, str]]
    ) -> int:
        """Record the new hash of files whose bytes changed but whose content did not.

        ``sources`` maps a family SKU to the file's new source hash, or to ``(source_url,
        source_hash)``. Only those columns change: variants and tiers are not rewritten, and
        ``last_synced_at`` stays, since nothing of the product's content was synced.
        """
        rows = []
        for sku, value in sources.items():
            url, source_hash = (None, value) if isinstance(value, str) else value
            rows.append((sku, source_hash, url))
        if not rows:
            return 0
        updated = 0
        with writer(self.engine).begin() as conn:
            for part in chunks(rows, 5000):
                updated += _touch(conn, supplier_code, part)
        return updated

    def deactivate(
        self,
        supplier_code: str,
        skus: Iterable[str],
        now: datetime,
        *,
        changes_of: int | None = None,
    ) -> int:
        """Mark families removed: ``is_active`` false and ``removed_at`` set, never deleted.

        Their variants go inactive too; tiers stay for the record. Families already inactive
        keep their first ``removed_at``. With ``changes_of`` (a sync run id), a ``removed``
        change per family deactivated now, in the same transaction. Returns how many families
        were deactivated now.
        """
        p, v = t.products, t.product_variants
        count = 0
        with writer(self.engine).begin() as conn:
            for part in chunks(list(skus)):
                if changes_of is not None:
                    removed = removal_changes(conn, supplier_code, part, now)
                    insert_changes(conn, removed, changes_of)
                count += conn.execute(
                    sa.update(p)
                    .where(p.c.sku.in_(part), p.c.supplier_code == supplier_code, p.c.is_active)
                    .values(is_active=False, removed_at=now)
                ).rowcount
                owned = sa.select(p.c.sku).where(
                    p.c.sku.in_(part), p.c.supplier_code == supplier_code
                )
                conn.execute(
                    sa.update(v)
                    .where(v.c.product_sku.in_(owned), v.c.is_active)
                    .values(is_active=False)
                )
        return count


def _write_rows(conn: sa.Connection, families: list[FamilyRows], now: datetime) -> None:
    """Every row of ``families``, each table's rows of the batch at once."""
    skus = [f.sku for f in families]
    scope = (skus, [sku for f in families for sku in f.variant_skus])
    rows = row_writer(conn)
    rows.upsert_products(conn, [f.product_row(now) for f in families])
    rows.upsert_variants(conn, skus, [row for f in families for row in f.variants])
    rows.replace(conn, TIERS, scope, [f.tiers for f in families])
    rows.replace(conn, TERMS, scope, [row for f in families for row in f.terms])
    decoration = [f.decoration for f in families]
    rows.replace(conn, POSITIONS, scope, [row for d in decoration for row in d.positions])
    rows.replace(conn, OPTIONS, scope, [row for d in decoration for row in d.options])
    rows.replace(conn, CHARGES, scope, [row for d in decoration for row in d.charges])
    rows.replace(conn, IMPRINT_PRICES, scope, [f.imprint_prices for f in families])
    reconcile_image_refs(conn, skus, [ref for f in families for ref in f.images], now)


def _ownership_conflicts(
    conn: sa.Connection, supplier_code: str, families: Sequence[FamilyRows]
) -> dict[str, str]:
    """Families that would take rows another family or supplier owns: SKU -> reason.

    A variant SKU may move to this family from an inactive family, or from a family of the
    same batch; from an active family elsewhere it may not (the feed would have two owners).
    """
    p, v = t.products, t.product_variants
    owners = {f.sku for f in families}
    owner_of = {sku: f.sku for f in families for sku in f.variant_skus}
    conflicts: dict[str, str] = {}
    for part in chunks(list(owner_of), IN_LIST_SIZE * 10):
        query = (
            sa.select(v.c.sku, v.c.product_sku)
            .select_from(v.join(p, p.c.sku == v.c.product_sku))
            .where(among(conn, v.c.sku, part), p.c.is_active)
        )
        for variant, owner in conn.execute(query):
            if owner in owners:
                continue  # moves within the batch
            conflicts.setdefault(
                owner_of[variant], f"variant SKU {variant} already belongs to family {owner}"
            )
    query = sa.select(p.c.sku, p.c.supplier_code).where(
        among(conn, p.c.sku, list(owners)), p.c.supplier_code != supplier_code
    )
    for sku, other in conn.execute(query):
        conflicts.setdefault(sku, f"product SKU {sku} already belongs to supplier {other}")
    return conflicts


def _touch(conn: sa.Connection, supplier_code: str, rows: Sequence[tuple]) -> int:
    if conn.dialect.name == "postgresql":
        return conn.execute(
            sa.text(
                "UPDATE products AS p SET source_hash = u.source_hash, "
                "source_url = COALESCE(u.source_url, p.source_url) "
                "FROM unnest(CAST(:skus AS text[]), CAST(:hashes AS text[]), "
                "CAST(:urls AS text[])) AS u(sku, source_hash, source_url) "
                "WHERE p.sku = u.sku AND p.supplier_code = :supplier"
            ),
            {
                "skus": [r[0] for r in rows],
                "hashes": [r[1] for r in rows],
                "urls": [r[2] for r in rows],
                "supplier": supplier_code,
            },
        ).rowcount
    p = t.products
    statement = (
        sa.update(p)
        .where(p.c.sku == sa.bindparam("b_sku"), p.c.supplier_code == supplier_code)
        .values(
            source_hash=sa.bindparam("b_hash"),
            source_url=sa.func.coalesce(sa.bindparam("b_url", type_=sa.Text), p.c.source_url),
        )
    )
    params = [{"b_sku": s, "b_hash": h, "b_url": u} for s, h, u in rows]
    return conn.execute(statement, params).rowcount


def _deadlocked(exc: sa.exc.OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "40P01"


def _describe(exc: Exception) -> str:
    """One readable line for ``sync_errors``: the driver's message, without the SQL."""
    orig = getattr(exc, "orig", None) or exc
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"the database refused the family: {type(orig).__name__}: {first_line}"[:1000]
