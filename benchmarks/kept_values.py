"""The share of the values a product file serves that the catalog keeps, on the simulator's feed.

    .venv/bin/python -m benchmarks.kept_values [--families 300] [--seed 3]

Generated product files (the simulator's, shaped like the real reference file: decoration,
order terms, logistics, free key/values) are parsed and written as a sync writes them into a
fresh SQLite catalog; then every row of each family is read back from the database. Each value is
counted where it stands (a path of the file) and once per file (distinct values); a scalar of
a file counts as kept when one of its readings is among the values of the family's rows
(``support/scalars.py``: a number as its value or text, ``"0,31"`` as 0.31, a text stripped);
values the format defines as none (a ``SearchColor`` of ``Undefined``, a measure of 0 meaning
unknown) are left out. Prints the totals and, if anything was lost, the paths lost most often.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, FamilyWrite, make_engine, upgrade
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.scalars import as_read, lost, readings, scalars_of_json

FAMILY_TABLES = (
    t.products, t.product_variants, t.price_tiers, t.price_terms, t.imprint_positions,
    t.imprint_options, t.imprint_charges, t.imprint_prices, t.product_images,
)  # fmt: skip


def stored(engine: sa.Engine, sku: str) -> list[dict[str, Any]]:
    """Every row the catalog holds of one family, JSON columns decoded."""
    out = []
    with engine.connect() as conn:
        for table in FAMILY_TABLES:
            key = table.c.sku if table is t.products else table.c.product_sku
            out += [
                dict(row) for row in conn.execute(sa.select(table).where(key == sku)).mappings()
            ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    generator = FeedGenerator(
        FeedSpec(seed=args.seed, suppliers=1, families=args.families, exact=True)
    )
    (code,) = generator.supplier_codes()
    served = kept = distinct_served = distinct_kept = 0
    paths: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'catalog.sqlite'}")
        upgrade(engine)
        catalog = Catalog(engine)
        now = datetime.now(UTC)
        for sku in generator.family_skus(code):
            data = generator.product_bytes(sku)
            family = parse_product(data, f"{code}/{sku}.json", expected_sku=sku)
            write = FamilyWrite(family, f"https://feed.test/{sku}.json", "H", content_hash(family))
            assert write_families(catalog, code, [write], now).failed == {}
            document = as_read(orjson.loads(data))
            missing = lost(document, stored(engine, sku))
            values = scalars_of_json(document)
            served += len(values)
            kept += len(values) - len(missing)
            distinct = {readings(v) for v in values.values()}
            gone = {readings(v) for v in missing.values()}
            distinct_served += len(distinct)
            distinct_kept += len(distinct - gone)
            paths.update(_generic(path) for path in missing)
        engine.dispose()
    print(
        f"{args.families} families: {served:,} scalar values served, {kept:,} kept "
        f"({kept / served:.2%}); distinct values per file: {distinct_served:,} served, "
        f"{distinct_kept:,} kept ({distinct_kept / distinct_served:.2%})"
    )
    for path, count in paths.most_common(15):
        print(f"  lost {count:>6}  {path}")


def _generic(path: str) -> str:
    """``ChildProducts[3].Ean`` -> ``ChildProducts[].Ean``: the field, not its place."""
    out, depth = [], 0
    for char in path:
        if char == "[":
            depth += 1
            out.append("[")
        elif char == "]":
            depth -= 1
            out.append("]")
        elif depth == 0:
            out.append(char)
    return "".join(out)


if __name__ == "__main__":
    main()
