"""The image references of families, written in the same transaction as the family."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import ImageRefRow
from promosync_pipeline.catalog.schema import ImageStatus
from promosync_pipeline.catalog.sql import among, chunks
from promosync_pipeline.catalog.writers import row_writer


def reconcile_image_refs(
    conn: sa.Connection, product_skus: Sequence[str], refs: Iterable[ImageRefRow], now: datetime
) -> None:
    """Make the ``original`` rows of these products exactly ``refs`` (inside the family write).

    References that stay keep their status and renditions; new ones start ``pending``; gone
    ones are deleted with their renditions.
    """
    pi = t.product_images
    wanted = list(dict.fromkeys(refs))
    existing: dict[ImageRefRow, int] = {}
    for part in chunks(list(product_skus)):
        columns = [pi.c[name] for name in ImageRefRow._fields]
        query = sa.select(pi.c.id, *columns).where(
            among(conn, pi.c.product_sku, part), pi.c.parent_id.is_(None)
        )
        for row_id, *key in conn.execute(query):
            existing[ImageRefRow(*key)] = row_id
    keep = set(wanted)
    stale = [row_id for key, row_id in existing.items() if key not in keep]
    for part in chunks(stale):
        conn.execute(
            sa.delete(pi).where(
                sa.or_(among(conn, pi.c.id, part), among(conn, pi.c.parent_id, part))
            )
        )
    # in the order of IMAGE_REF_COLUMNS
    pending = ImageStatus.PENDING
    new = [(*ref, "original", pending, now, now) for ref in wanted if ref not in existing]
    row_writer(conn).insert_image_refs(conn, new)
