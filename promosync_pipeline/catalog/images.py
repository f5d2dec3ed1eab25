"""Image bookkeeping: which image each variant shows, which URLs and objects are stored.

- ``product_images`` ``original`` rows are the feed's image references. They are written
  with their family (``pending``), so a committed family always lists its images, and an image
  whose processing never finished (a run killed, a failed download) is still ``pending`` or
  ``failed`` on the next sync, which picks it up.
- ``image_sources``: one row per source URL ever tried; a ``stored`` URL is never downloaded
  again, by any family or supplier.
- ``image_objects``: one row per stored rendition of a content hash, written only after the
  object is in the store, so no row ever points at a missing object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import ErrorRecord
from promosync_pipeline.catalog.schema import (
    MAX_ERROR_CHARS,
    UNSETTLED_IMAGE_STATUSES,
    ErrorStage,
    ImageStatus,
)
from promosync_pipeline.catalog.sql import among, chunks, upsert
from promosync_pipeline.images.keys import RENDITIONS
from promosync_pipeline.images.results import ImageResult, StoredObject

SETTLE_BATCH = 2000


@dataclass
class SettleStats:
    stored: int = 0
    """``original`` rows that became ``stored``."""
    failed: int = 0
    pending: int = 0
    """References whose URL has no outcome yet (left for the next sync)."""
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Product SKU -> [(source URL, reason)]."""

    def error_records(self) -> list[ErrorRecord]:
        """One ``image`` error per product with failed images, naming the first URL."""
        records = []
        for sku, failures in self.failures.items():
            first_url, first_reason = failures[0]
            others = len({url for url, _ in failures}) - 1
            more = f" (and {others} more image{'s' if others > 1 else ''})" if others else ""
            records.append(
                ErrorRecord(sku, first_url, ErrorStage.IMAGE, f"{first_url}: {first_reason}{more}")
            )
        return records


class ImageRecords:
    """Image bookkeeping of every supplier, behind one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def unsettled_urls(self, supplier_code: str) -> list[str]:
        """Distinct source URLs of this supplier's active products whose images are
        ``pending`` or ``failed``, in first-listed order."""
        pi = t.product_images
        first = sa.func.min(pi.c.id).label("first")
        query = (
            _unsettled(supplier_code, pi.c.source_url, first)
            .group_by(pi.c.source_url)
            .order_by(first)
        )
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def stored_sources(self, urls: Sequence[str]) -> dict[str, str]:
        """URL -> content SHA-256 for the URLs already stored."""
        s = t.image_sources
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in chunks(list(urls)):
                query = sa.select(s.c.source_url, s.c.sha256).where(
                    among(conn, s.c.source_url, part), s.c.status == ImageStatus.STORED
                )
                found.update((url, sha) for url, sha in conn.execute(query))
        return found

    def stored_contents(self, shas: Sequence[str]) -> set[str]:
        """The content hashes whose every rendition is in the store."""
        o = t.image_objects
        complete: set[str] = set()
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(shas))):
                query = (
                    sa.select(o.c.sha256)
                    .where(among(conn, o.c.sha256, part))
                    .group_by(o.c.sha256)
                    .having(sa.func.count() >= len(RENDITIONS))
                )
                complete.update(row[0] for row in conn.execute(query))
        return complete

    def record_results(self, results: Sequence[ImageResult], now: datetime) -> None:
        """Record uploaded objects, then the URLs' outcomes, in one transaction."""
        if not results:
            return
        objects = [
            {
                "sha256": r.sha256,
                "rendition": o.rendition,
                "storage_key": o.storage_key,
                "width": o.width,
                "height": o.height,
                "bytes": o.bytes,
                "created_at": now,
            }
            for r in results
            for o in r.objects
        ]
        with writer(self.engine).begin() as conn:
            if objects:
                upsert(conn, t.image_objects, objects, ["sha256", "rendition"])
            _record_sources(conn, {r.source_url: r for r in results}, now)

    def settle(self, supplier_code: str, now: datetime) -> SettleStats:
        """Bring this supplier's unsettled image rows up to date with ``image_sources``.

        A reference to a stored URL becomes ``stored`` with its renditions as rows of their
        own; one to a failed URL becomes ``failed`` with the reason; the rest stay ``pending``.
        """
        pi = t.product_images
        stats = SettleStats()
        query = _unsettled(
            supplier_code,
            pi.c.id,
            pi.c.product_sku,
            pi.c.variant_sku,
            pi.c.role,
            pi.c.position,
            pi.c.source_url,
        ).order_by(pi.c.id)
        with self.engine.connect() as conn:
            refs = [_Ref(*row) for row in conn.execute(query)]
        for part in chunks(refs, SETTLE_BATCH):
            with writer(self.engine).begin() as conn:
                _settle_batch(conn, part, now, stats)
        return stats

    def counts(self, supplier_code: str) -> dict[str, int]:
        """``original`` image rows of this supplier's active products by status."""
        pi, p = t.product_images, t.products
        query = (
            sa.select(pi.c.status, sa.func.count())
            .join(p, p.c.sku == pi.c.product_sku)
            .where(p.c.supplier_code == supplier_code, p.c.is_active, pi.c.parent_id.is_(None))
            .group_by(pi.c.status)
        )
        with self.engine.connect() as conn:
            counts = {status: int(n) for status, n in conn.execute(query)}
        return {status: counts.get(status, 0) for status in t.IMAGE_STATUSES}

    def products_settled(self, supplier_code: str) -> list[str]:
        """Active products of this supplier with no ``pending`` or ``failed`` image left."""
        pi, p = t.product_images, t.products
        unsettled = sa.select(pi.c.product_sku).where(
            pi.c.parent_id.is_(None), pi.c.status.in_(UNSETTLED_IMAGE_STATUSES)
        )
        query = sa.select(p.c.sku).where(
            p.c.supplier_code == supplier_code, p.c.is_active, p.c.sku.not_in(unsettled)
        )
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]


def _unsettled(supplier_code: str, *columns: Any) -> sa.Select[Any]:
    """``original`` image rows still ``pending`` or ``failed`` of the supplier's active
    products."""
    pi, p = t.product_images, t.products
    return (
        sa.select(*columns)
        .join(p, p.c.sku == pi.c.product_sku)
        .where(
            p.c.supplier_code == supplier_code,
            p.c.is_active,
            pi.c.parent_id.is_(None),
            pi.c.status.in_(UNSETTLED_IMAGE_STATUSES),
        )
    )


def _object(obj: StoredObject) -> dict[str, object]:
    return {
        "storage_key": obj.storage_key,
        "width": obj.width,
        "height": obj.height,
        "bytes": obj.bytes,
    }


def _row_update(
    row_id: int,
    status: str,
    sha: str | None,
    obj: StoredObject | None,
    error: str | None,
) -> dict[str, object]:
    return {
        "b_id": row_id,
        "b_status": status,
        "b_sha": sha,
        "b_width": obj.width if obj else None,
        "b_height": obj.height if obj else None,
        "b_bytes": obj.bytes if obj else None,
        "b_key": obj.storage_key if obj else None,
        "b_error": None if error is None else error[:MAX_ERROR_CHARS],
    }


class _Ref(NamedTuple):
    """An unsettled ``original`` row."""

    id: int
    product_sku: str
    variant_sku: str | None
    role: str
    position: int
    source_url: str


class _Source(NamedTuple):
    """What ``image_sources`` says of a URL."""

    status: str
    sha256: str | None
    error: str | None


_NOT_TRIED = _Source(ImageStatus.PENDING, None, None)


def _record_sources(conn: sa.Connection, results: dict[str, ImageResult], now: datetime) -> None:
    """Each URL's outcome in ``image_sources``: a new row, or one more attempt."""
    s = t.image_sources
    known: set[str] = set()
    for part in chunks(list(results)):
        query = sa.select(s.c.source_url).where(among(conn, s.c.source_url, part))
        known.update(row[0] for row in conn.execute(query))
    rows = {
        url: {
            "source_url": url,
            "status": ImageStatus.FAILED if r.error else ImageStatus.STORED,
            "sha256": r.sha256,
            "error": None if r.error is None else r.error[:MAX_ERROR_CHARS],
            "attempts": 1,
            "updated_at": now,
        }
        for url, r in results.items()
    }
    fresh = [row for url, row in rows.items() if url not in known]
    if fresh:
        conn.execute(sa.insert(s), fresh)
    again = [
        {"b_url": url, "b_status": row["status"], "b_sha": row["sha256"], "b_error": row["error"]}
        for url, row in rows.items()
        if url in known
    ]
    if again:
        conn.execute(
            sa.update(s)
            .where(s.c.source_url == sa.bindparam("b_url"))
            .values(
                status=sa.bindparam("b_status"),
                sha256=sa.bindparam("b_sha"),
                error=sa.bindparam("b_error"),
                attempts=s.c.attempts + 1,
                updated_at=now,
            ),
            again,
        )


def _sources(conn: sa.Connection, urls: Sequence[str]) -> dict[str, _Source]:
    s = t.image_sources
    found: dict[str, _Source] = {}
    for part in chunks(sorted(set(urls))):
        query = sa.select(s.c.source_url, s.c.status, s.c.sha256, s.c.error).where(
            among(conn, s.c.source_url, part)
        )
        found.update((row[0], _Source(*row[1:])) for row in conn.execute(query))
    return found


def _objects(conn: sa.Connection, shas: Sequence[str]) -> dict[str, dict[str, StoredObject]]:
    """Content hash -> its stored renditions by name."""
    o = t.image_objects
    objects: dict[str, dict[str, StoredObject]] = defaultdict(dict)
    for part in chunks(sorted(set(shas))):
        query = sa.select(
            o.c.sha256, o.c.rendition, o.c.storage_key, o.c.width, o.c.height, o.c.bytes
        ).where(among(conn, o.c.sha256, part))
        for row in conn.execute(query):
            objects[row[0]][row[1]] = StoredObject(*row[1:])
    return objects


def _settle_batch(
    conn: sa.Connection, refs: Sequence[_Ref], now: datetime, stats: SettleStats
) -> None:
    pi = t.product_images
    sources = _sources(conn, [ref.source_url for ref in refs])
    stored = [v.sha256 for v in sources.values() if v.status == ImageStatus.STORED and v.sha256]
    objects = _objects(conn, stored)
    updates: list[dict[str, object]] = []
    children: list[dict[str, object]] = []
    for ref in refs:
        source = sources.get(ref.source_url, _NOT_TRIED)
        renditions = objects.get(source.sha256 or "", {})
        if source.status == ImageStatus.STORED and len(renditions) >= len(RENDITIONS):
            original = renditions["original"]
            updates.append(_row_update(ref.id, ImageStatus.STORED, source.sha256, original, None))
            children.extend(_rendition_rows(ref, source.sha256, renditions, now))
            stats.stored += 1
        elif source.status == ImageStatus.FAILED:
            reason = source.error or "failed"
            updates.append(_row_update(ref.id, ImageStatus.FAILED, None, None, reason))
            stats.failed += 1
            stats.failures.setdefault(ref.product_sku, []).append((ref.source_url, reason))
        else:
            stats.pending += 1
    for part in chunks([u["b_id"] for u in updates]):
        conn.execute(sa.delete(pi).where(among(conn, pi.c.parent_id, part)))
    if updates:
        conn.execute(
            sa.update(pi)
            .where(pi.c.id == sa.bindparam("b_id"))
            .values(
                status=sa.bindparam("b_status"),
                sha256=sa.bindparam("b_sha"),
                width=sa.bindparam("b_width"),
                height=sa.bindparam("b_height"),
                bytes=sa.bindparam("b_bytes"),
                storage_key=sa.bindparam("b_key"),
                error=sa.bindparam("b_error"),
                updated_at=now,
            ),
            updates,
        )
    if children:
        conn.execute(sa.insert(pi), children)


def _rendition_rows(
    ref: _Ref, sha: str | None, renditions: dict[str, StoredObject], now: datetime
) -> list[dict[str, object]]:
    """The rows of an original's other renditions (``parent_id`` pointing at it)."""
    return [
        {
            "parent_id": ref.id,
            "product_sku": ref.product_sku,
            "variant_sku": ref.variant_sku,
            "role": ref.role,
            "position": ref.position,
            "source_url": ref.source_url,
            "rendition": name,
            "sha256": sha,
            "status": ImageStatus.STORED,
            "error": None,
            "created_at": now,
            "updated_at": now,
            **_object(obj),
        }
        for name, obj in renditions.items()
        if name != "original"
    ]
