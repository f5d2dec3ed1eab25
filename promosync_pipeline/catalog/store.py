"""The catalog store: every read and write promosync makes to the catalog database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import TIER_COLUMNS, product_row, tier_rows, variant_rows
from promosync_pipeline.catalog.upsert import insert_tuples, upsert
from promosync_pipeline.promidata import Category, Family
from promosync_pipeline.promidata.codec import decode_family, encode_family

MAX_VARIANTS_PER_BATCH = 4000
"""Keeps every IN list and multi-row statement well inside the drivers' parameter limits."""


@dataclass(frozen=True, slots=True)
class KnownProduct:
    source_hash: str | None
    content_hash: str | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class StagedFamily:
    source_url: str
    source_hash: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class FamilyWrite:
    family: Family
    source_url: str
    source_hash: str
    content_hash: str


@dataclass
class WriteResult:
    products_written: int = 0
    variants_written: int = 0
    price_tiers_written: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    """Family SKU -> why it could not be written; every other family committed."""


@dataclass(frozen=True, slots=True)
class OpenError:
    sku: str | None
    source_url: str | None
    stage: str
    error: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CachedFile:
    etag: str | None
    last_modified: str | None
    body: bytes


def _batches(items: Sequence[FamilyWrite]) -> Iterator[list[FamilyWrite]]:
    batch: list[FamilyWrite] = []
    variants = 0
    for item in items:
        count = len(item.family.variants)
        if batch and variants + count > MAX_VARIANTS_PER_BATCH:
            yield batch
            batch, variants = [], 0
        batch.append(item)
        variants += count
    if batch:
        yield batch


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class CatalogStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- reads -----------------------------------------------------------------------------
    def known_hashes(self, supplier_code: str) -> dict[str, KnownProduct]:
        """Source and content hash of every product of a supplier, in one query."""
        p = t.products
        query = sa.select(p.c.sku, p.c.source_hash, p.c.content_hash, p.c.is_active).where(
            p.c.supplier_code == supplier_code
        )
        with self.engine.connect() as conn:
            return {
                sku: KnownProduct(source_hash, content_hash, bool(active))
                for sku, source_hash, content_hash, active in conn.execute(query)
            }

    def active_count(self, supplier_code: str) -> int:
        p = t.products
        query = sa.select(sa.func.count()).where(
            p.c.supplier_code == supplier_code, p.c.is_active.is_(True)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def active_variant_count(self, supplier_code: str) -> int:
        p, v = t.products, t.product_variants
        query = (
            sa.select(sa.func.count())
            .select_from(v.join(p, p.c.sku == v.c.product_sku))
            .where(p.c.supplier_code == supplier_code, v.c.is_active.is_(True))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def open_errors(self, supplier_code: str) -> list[OpenError]:
        e = t.sync_errors
        query = (
            sa.select(e.c.sku, e.c.source_url, e.c.stage, e.c.error, e.c.created_at)
            .where(e.c.supplier_code == supplier_code, e.c.resolved_at.is_(None))
            .order_by(e.c.id)
        )
        with self.engine.connect() as conn:
            return [OpenError(*row) for row in conn.execute(query)]

    # -- staging between steps ---------------------------------------------------------------
    def clear_staging(self, supplier_code: str) -> None:
        s = t.staged_families
        with self.engine.begin() as conn:
            conn.execute(sa.delete(s).where(s.c.supplier_code == supplier_code))

    def stage_families(
        self, supplier_code: str, sync_run_id: int, items: Sequence[FamilyWrite]
    ) -> None:
        rows = [
            {
                "sync_run_id": sync_run_id,
                "sku": item.family.sku,
                "supplier_code": supplier_code,
                "source_url": item.source_url,
                "source_hash": item.source_hash,
                "content_hash": item.content_hash,
                "payload": encode_family(item.family),
            }
            for item in items
        ]
        if rows:
            with self.engine.begin() as conn:
                upsert(conn, t.staged_families, rows, ["sync_run_id", "sku"])

    def staged_hashes(self, sync_run_id: int) -> dict[str, StagedFamily]:
        s = t.staged_families
        query = sa.select(s.c.sku, s.c.source_url, s.c.source_hash, s.c.content_hash).where(
            s.c.sync_run_id == sync_run_id
        )
        with self.engine.connect() as conn:
            return {sku: StagedFamily(url, sh, ch) for sku, url, sh, ch in conn.execute(query)}

    def _staged(self, sync_run_id: int, skus: Sequence[str]) -> list[FamilyWrite]:
        s = t.staged_families
        query = sa.select(s.c.payload, s.c.source_url, s.c.source_hash, s.c.content_hash).where(
            s.c.sync_run_id == sync_run_id, s.c.sku.in_(list(skus))
        )
        with self.engine.connect() as conn:
            return [
                FamilyWrite(decode_family(payload), url, source_hash, content_hash)
                for payload, url, source_hash, content_hash in conn.execute(query)
            ]

    def write_staged(
        self,
        sync_run_id: int,
        skus: Sequence[str],
        now: datetime,
        on_done: Callable[[int], None] = lambda n: None,
        chunk: int = 200,
    ) -> WriteResult:
        """Write staged families to the catalog, ``chunk`` at a time (bounded memory)."""
        total = WriteResult()
        for part in _chunks(list(skus), chunk):
            result = self.write_families(self._staged(sync_run_id, part), now)
            total.products_written += result.products_written
            total.variants_written += result.variants_written
            total.price_tiers_written += result.price_tiers_written
            total.failed.update(result.failed)
            on_done(len(part))
        return total

    # -- catalog writes ----------------------------------------------------------------------
    def write_families(self, items: Iterable[FamilyWrite], now: datetime) -> WriteResult:
        """Upsert families with their variants and price tiers.

        A family is written whole or not at all: each batch is one transaction; when a batch
        fails, its families are retried one by one so that only the bad ones are reported.
        """
        result = WriteResult()
        owners: dict[str, str] = {}
        accepted: list[FamilyWrite] = []
        for item in items:
            clash = next((v.sku for v in item.family.variants if v.sku in owners), None)
            if clash is not None:
                result.failed[item.family.sku] = (
                    f"variant SKU {clash} also belongs to family {owners[clash]}"
                )
                continue
            owners.update((v.sku, item.family.sku) for v in item.family.variants)
            accepted.append(item)
        for batch in _batches(accepted):
            try:
                self._write_batch(batch, now, result)
            except (sa.exc.SQLAlchemyError, _VariantConflict) as exc:
                if len(batch) == 1:
                    result.failed[batch[0].family.sku] = _describe(exc)
                    continue
                for item in batch:
                    try:
                        self._write_batch([item], now, result)
                    except (sa.exc.SQLAlchemyError, _VariantConflict) as single:
                        result.failed[item.family.sku] = _describe(single)
        return result

    def _write_batch(self, batch: list[FamilyWrite], now: datetime, result: WriteResult) -> None:
        p, v, pt = t.products, t.product_variants, t.price_tiers
        skus = [item.family.sku for item in batch]
        products = [
            product_row(i.family, i.source_url, i.source_hash, i.content_hash, now) for i in batch
        ]
        variants = [row for i in batch for row in variant_rows(i.family)]
        tiers = [row for i in batch for row in tier_rows(i.family)]
        variant_skus = [row["sku"] for row in variants]
        with self.engine.begin() as conn:
            self._check_variant_owners(conn, batch, variant_skus)
            upsert(conn, p, products, ["sku"], keep=["first_seen_at"])
            conn.execute(sa.update(v).where(v.c.product_sku.in_(skus)).values(is_active=False))
            upsert(conn, v, variants, ["sku"])
            conn.execute(sa.delete(pt).where(pt.c.product_sku.in_(skus)))
            conn.execute(sa.delete(pt).where(pt.c.variant_sku.in_(variant_skus)))
            insert_tuples(conn, pt, TIER_COLUMNS, tiers)
        result.products_written += len(products)
        result.variants_written += len(variants)
        result.price_tiers_written += len(tiers)

    def _check_variant_owners(
        self, conn: sa.Connection, batch: list[FamilyWrite], variant_skus: list[str]
    ) -> None:
        """A variant SKU that an active family of the catalog already owns is not taken over."""
        p, v = t.products, t.product_variants
        skus = [item.family.sku for item in batch]
        query = (
            sa.select(v.c.sku, v.c.product_sku)
            .select_from(v.join(p, p.c.sku == v.c.product_sku))
            .where(v.c.sku.in_(variant_skus), v.c.product_sku.not_in(skus), p.c.is_active)
        )
        clashes = dict(conn.execute(query).all())
        if clashes:
            variant, owner = next(iter(clashes.items()))
            raise _VariantConflict(f"variant SKU {variant} already belongs to family {owner}")

    def touch_unchanged(
        self, supplier_code: str, sources: Mapping[str, tuple[str, str]], now: datetime
    ) -> int:
        """Record the new URL and hash of files whose bytes changed but content did not."""
        if not sources:
            return 0
        p = t.products
        statement = (
            sa.update(p)
            .where(p.c.sku == sa.bindparam("b_sku"), p.c.supplier_code == supplier_code)
            .values(
                source_url=sa.bindparam("b_url"),
                source_hash=sa.bindparam("b_hash"),
                last_synced_at=now,
            )
        )
        rows = [{"b_sku": s, "b_url": u, "b_hash": h} for s, (u, h) in sources.items()]
        with self.engine.begin() as conn:
            conn.execute(statement, rows)
        return len(rows)

    def deactivate(self, supplier_code: str, skus: Sequence[str], now: datetime) -> int:
        """Mark families removed (never deleted); their variants go inactive too."""
        p, v = t.products, t.product_variants
        count = 0
        with self.engine.begin() as conn:
            for part in _chunks(list(skus), 1000):
                count += conn.execute(
                    sa.update(p)
                    .where(p.c.sku.in_(part), p.c.supplier_code == supplier_code, p.c.is_active)
                    .values(is_active=False, removed_at=now)
                ).rowcount
                conn.execute(sa.update(v).where(v.c.product_sku.in_(part)).values(is_active=False))
        return count

    def upsert_categories(self, categories: Sequence[Category], now: datetime) -> int:
        rows = [
            {
                "code": c.code,
                "parent_code": c.parent_code,
                "name": c.name,
                "sort_order": c.sort_order,
                "updated_at": now,
            }
            for c in categories
        ]
        with self.engine.begin() as conn:
            upsert(conn, t.categories, rows, ["code"])
        return len(rows)

    # -- suppliers, runs and errors ----------------------------------------------------------
    def upsert_suppliers(self, codes: Iterable[str], now: datetime) -> None:
        rows = [{"code": c, "name": c, "is_active": True, "first_seen_at": now} for c in codes]
        with self.engine.begin() as conn:
            upsert(conn, t.suppliers, rows, ["code"], keep=["name", "first_seen_at"])

    def update_supplier_status(self, supplier_code: str, status: str, now: datetime) -> None:
        s, p = t.suppliers, t.products
        count = (
            sa.select(sa.func.count())
            .where(p.c.supplier_code == supplier_code, p.c.is_active.is_(True))
            .scalar_subquery()
        )
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(s)
                .where(s.c.code == supplier_code)
                .values(last_synced_at=now, last_sync_status=status, products_count=count)
            )

    def start_sync_run(self, supplier_code: str, run_id: str | None, now: datetime) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    sa.insert(t.sync_runs)
                    .values(
                        supplier_code=supplier_code, run_id=run_id, started_at=now, status="running"
                    )
                    .returning(t.sync_runs.c.id)
                ).scalar_one()
            )

    def finish_sync_run(
        self,
        sync_run_id: int,
        status: str,
        now: datetime,
        counts: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        r = t.sync_runs
        values = {k: v for k, v in (counts or {}).items() if k in r.c}
        with self.engine.begin() as conn:
            started = conn.execute(
                sa.select(r.c.started_at).where(r.c.id == sync_run_id)
            ).scalar_one()
            if started.tzinfo is None:
                started = started.replace(tzinfo=now.tzinfo)
            conn.execute(
                sa.update(r)
                .where(r.c.id == sync_run_id)
                .values(
                    status=status,
                    finished_at=now,
                    error=error,
                    duration_s=(now - started).total_seconds(),
                    **values,
                )
            )

    def record_errors(
        self,
        supplier_code: str,
        sync_run_id: int | None,
        errors: Sequence[tuple[str | None, str | None, str, str]],
        now: datetime,
    ) -> None:
        """(sku, source_url, stage, message) rows; an open error of the same family and stage
        is replaced, so a family failing every night is one row, not a growing pile."""
        if not errors:
            return
        e = t.sync_errors
        with self.engine.begin() as conn:
            for part in _chunks(list(errors), 1000):
                for stage in {stage for _, _, stage, _ in part}:
                    skus = [sku for sku, _, s, _ in part if s == stage and sku]
                    conn.execute(
                        sa.delete(e).where(
                            e.c.supplier_code == supplier_code,
                            e.c.stage == stage,
                            e.c.sku.in_(skus),
                            e.c.resolved_at.is_(None),
                        )
                    )
                conn.execute(
                    sa.insert(e),
                    [
                        {
                            "supplier_code": supplier_code,
                            "sync_run_id": sync_run_id,
                            "sku": sku,
                            "source_url": url,
                            "stage": stage,
                            "error": message,
                            "created_at": now,
                        }
                        for sku, url, stage, message in part
                    ],
                )

    def resolve_errors(
        self, supplier_code: str, skus: Iterable[str], now: datetime, stages: Sequence[str] = ()
    ) -> None:
        e = t.sync_errors
        with self.engine.begin() as conn:
            for part in _chunks(list(skus), 1000):
                where = [
                    e.c.supplier_code == supplier_code,
                    e.c.sku.in_(part),
                    e.c.resolved_at.is_(None),
                ]
                if stages:
                    where.append(e.c.stage.in_(list(stages)))
                conn.execute(sa.update(e).where(*where).values(resolved_at=now))

    # -- conditional GET cache ---------------------------------------------------------------
    def cached_feed_file(self, url: str) -> CachedFile | None:
        c = t.feed_cache
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(c.c.etag, c.c.last_modified, c.c.body).where(c.c.url == url)
            ).first()
        return CachedFile(*row) if row else None

    def save_feed_file(
        self, url: str, etag: str | None, last_modified: str | None, body: bytes, now: datetime
    ) -> None:
        row = {"url": url, "etag": etag, "last_modified": last_modified, "body": body}
        with self.engine.begin() as conn:
            upsert(conn, t.feed_cache, [{**row, "fetched_at": now}], ["url"])


class _VariantConflict(Exception):
    pass


def _describe(exc: Exception) -> str:
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        return f"database refused the family: {type(exc.orig).__name__}: {exc.orig}".strip()[:500]
    return str(exc)[:500]
