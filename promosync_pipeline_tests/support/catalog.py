"""Families written to a catalog the way a sync writes them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from promosync_pipeline.catalog import Catalog, FamilyWrite, WriteStats
from promosync_pipeline.catalog.rows import FamilyRows, decode_rows, encode_family

_STAGING_IDS = itertools.count(10**12)
"""Staging ids of test writes: far above any sync run a test opens."""


def write_families(
    catalog: Catalog,
    supplier_code: str,
    writes: Iterable[FamilyWrite],
    now: datetime,
    *,
    on_batch: Callable[[int], None] | None = None,
) -> WriteStats:
    """Write ``writes`` as a sync does: each family encoded as a parsing process encodes it,
    staged in the catalog's staging table, read back from it in the given order and written in
    batches; the staged rows are cleared afterwards."""
    staging_id = next(_STAGING_IDS)
    skus: list[str] = []
    for write in writes:
        catalog.staging.stage(supplier_code, staging_id, [encode_family(write)])
        skus.append(write.family.sku)
    try:
        families = catalog.staging.rows(staging_id, skus)
        return catalog.families.write(supplier_code, families, now, on_batch=on_batch)
    finally:
        catalog.staging.clear(supplier_code)


def staged_rows(writes: Iterable[FamilyWrite]) -> Iterator[FamilyRows]:
    """Each family's rows as the catalog write reads them from staging (encoded, decoded),
    lazily: for tests of how the write consumes its input."""
    for write in writes:
        yield decode_rows(encode_family(write).payload)
