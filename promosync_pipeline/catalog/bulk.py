"""Set-based writes of family rows, one implementation per kind of database.

PostgreSQL through psycopg 3 (:class:`CopyWriter`): rows are COPYed (text format; binary
measured no faster) into temporary staging tables and merged with one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` per table, rows that did not change left untouched. Price tiers arrive as
COPY text already (``rows.TierBlock``); those of a batch of new families are COPYed straight
into their table. COPY moves ≈ 700k rows/s where a statement per row manages ≈ 3k on the
reference machine.

SQLite, or PostgreSQL through another driver (:class:`StatementWriter`): ``executemany`` of
``INSERT … ON CONFLICT``, which the drivers batch.

Every method runs inside the caller's transaction and takes the rows of a whole batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import (
    PRODUCT_COLUMNS,
    TIER_COLUMNS,
    VARIANT_COLUMNS,
    Row,
    TierBlock,
)

TIER_KEY = ("variant_sku", "region", "kind", "min_quantity")
IMAGE_REF_COLUMNS = (
    "product_sku",
    "variant_sku",
    "role",
    "position",
    "source_url",
    "rendition",
    "status",
    "created_at",
    "updated_at",
)
"""The columns a new ``original`` image reference is inserted with."""
KEEP_ON_UPDATE = frozenset({"first_seen_at"})
"""Product columns an upsert leaves as they are."""
IN_LIST_SIZE = 1000
"""Values per IN (…) list: far below every driver's parameter limit."""


def chunks(values: Sequence[Any], size: int = IN_LIST_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(conn: sa.Connection, column: sa.ColumnElement[Any], values: Sequence[Any]) -> Any:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``: one parameter, not one per
    value, which keeps statements with thousands of SKUs cheap to bind and plan."""
    if conn.dialect.name == "postgresql":
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(list(values))


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` every given column but ``keys`` and ``keep``.

    One executemany, batched by the driver: never a round trip per row.
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updates = {
        name: statement.excluded[name] for name in rows[0] if name not in keys and name not in keep
    }
    if updates:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, list(rows))


class FamilyRowWriter(Protocol):
    def upsert_products(self, conn: sa.Connection, rows: Sequence[Row]) -> None: ...

    def upsert_variants(
        self, conn: sa.Connection, product_skus: Sequence[str], rows: Sequence[Row]
    ) -> None:
        """Upsert ``rows``; variants of ``product_skus`` not among them become inactive."""

    def replace_tiers(
        self,
        conn: sa.Connection,
        product_skus: Sequence[str],
        variant_skus: Sequence[str],
        tiers: Sequence[TierBlock],
    ) -> None:
        """Make the tiers of these products (and of these variants) exactly ``tiers``."""

    def insert_image_refs(self, conn: sa.Connection, rows: Sequence[Row]) -> None:
        """Insert new ``product_images`` rows (:data:`IMAGE_REF_COLUMNS`)."""


def row_writer(conn: sa.Connection) -> FamilyRowWriter:
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return CopyWriter()
    return StatementWriter()


class StatementWriter:
    """executemany upserts: SQLite, or PostgreSQL without psycopg 3."""

    def upsert_products(self, conn: sa.Connection, rows: Sequence[Row]) -> None:
        dicts = [dict(zip(PRODUCT_COLUMNS, row, strict=True)) for row in rows]
        upsert(conn, t.products, dicts, ["sku"], keep=list(KEEP_ON_UPDATE))

    def upsert_variants(
        self, conn: sa.Connection, product_skus: Sequence[str], rows: Sequence[Row]
    ) -> None:
        v = t.product_variants
        kept = [row[0] for row in rows]
        conn.execute(
            sa.update(v)
            .where(v.c.product_sku.in_(product_skus), v.c.is_active, v.c.sku.not_in(kept))
            .values(is_active=False)
        )
        dicts = [dict(zip(VARIANT_COLUMNS, row, strict=True)) for row in rows]
        upsert(conn, v, dicts, ["sku"])

    def replace_tiers(
        self,
        conn: sa.Connection,
        product_skus: Sequence[str],
        variant_skus: Sequence[str],
        tiers: Sequence[TierBlock],
    ) -> None:
        pt = t.price_tiers
        conn.execute(sa.delete(pt).where(pt.c.product_sku.in_(product_skus)))
        for part in chunks(variant_skus):
            conn.execute(sa.delete(pt).where(pt.c.variant_sku.in_(part)))
        rows = [row for block in tiers for row in block.rows()]
        if rows:
            conn.execute(pt.insert(), [dict(zip(TIER_COLUMNS, row, strict=True)) for row in rows])

    def insert_image_refs(self, conn: sa.Connection, rows: Sequence[Row]) -> None:
        if rows:
            dicts = [dict(zip(IMAGE_REF_COLUMNS, row, strict=True)) for row in rows]
            conn.execute(sa.insert(t.product_images), dicts)


def _json_positions(table: sa.Table, columns: Sequence[str]) -> tuple[int, ...]:
    return tuple(i for i, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON))


def _json_text(rows: Sequence[Row], positions: tuple[int, ...]) -> Iterator[Row]:
    """Rows with their JSON values as text, which COPY hands to the jsonb input function."""
    for row in rows:
        values = list(row)
        for i in positions:
            if values[i] is not None:
                values[i] = orjson.dumps(values[i]).decode()
        yield tuple(values)


class CopyWriter:
    """COPY into temporary staging tables, then one set-based merge per table."""

    PRODUCT_JSON = _json_positions(t.products, PRODUCT_COLUMNS)
    VARIANT_JSON = _json_positions(t.product_variants, VARIANT_COLUMNS)

    def upsert_products(self, conn: sa.Connection, rows: Sequence[Row]) -> None:
        stage = self._stage(conn, t.products, PRODUCT_COLUMNS)
        _copy(conn, stage, PRODUCT_COLUMNS, _json_text(rows, self.PRODUCT_JSON))
        updates = [c for c in PRODUCT_COLUMNS if c != "sku" and c not in KEEP_ON_UPDATE]
        conn.exec_driver_sql(_merge_sql("products", stage, PRODUCT_COLUMNS, updates))

    def upsert_variants(
        self, conn: sa.Connection, product_skus: Sequence[str], rows: Sequence[Row]
    ) -> None:
        stage = self._stage(conn, t.product_variants, VARIANT_COLUMNS)
        _copy(conn, stage, VARIANT_COLUMNS, _json_text(rows, self.VARIANT_JSON))
        conn.execute(
            sa.text(
                "UPDATE product_variants AS v SET is_active = false "
                "WHERE v.product_sku = ANY(:skus) AND v.is_active "
                f"AND NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE s.sku = v.sku)"
            ),
            {"skus": list(product_skus)},
        )
        updates = [c for c in VARIANT_COLUMNS if c != "sku"]
        # Unchanged variants of a changed family are not rewritten (no dead row versions).
        conn.exec_driver_sql(
            _merge_sql("product_variants", stage, VARIANT_COLUMNS, updates, only_changed=True)
        )

    def replace_tiers(
        self,
        conn: sa.Connection,
        product_skus: Sequence[str],
        variant_skus: Sequence[str],
        tiers: Sequence[TierBlock],
    ) -> None:
        params = {"products": list(product_skus), "variants": list(variant_skus)}
        text = b"".join(block.text for block in tiers)
        # Two EXISTS, each answered by an index; one count(*) with an OR scanned both (1 s of
        # a 5,000-family first sync).
        existing = conn.execute(
            sa.text(
                "SELECT EXISTS (SELECT FROM price_tiers WHERE product_sku = ANY(:products)) "
                "OR EXISTS (SELECT FROM price_tiers WHERE variant_sku = ANY(:variants))"
            ),
            params,
        ).scalar_one()
        if not existing:
            # Only new families in this batch: nothing to merge with, COPY straight in.
            _copy_text(conn, "price_tiers", TIER_COLUMNS, text)
            return
        # Merge, so that the tiers a change left alone are not deleted and written again.
        stage = self._stage(conn, t.price_tiers, TIER_COLUMNS)
        _copy_text(conn, stage, TIER_COLUMNS, text)
        key = " AND ".join(f"s.{c} = p.{c}" for c in TIER_KEY)
        conn.execute(
            sa.text(
                "DELETE FROM price_tiers AS p "
                "WHERE (p.product_sku = ANY(:products) OR p.variant_sku = ANY(:variants)) "
                f"AND NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE {key})"
            ),
            params,
        )
        updates = [c for c in TIER_COLUMNS if c not in TIER_KEY]
        conn.exec_driver_sql(
            _merge_sql("price_tiers", stage, TIER_COLUMNS, updates, TIER_KEY, only_changed=True)
        )

    def insert_image_refs(self, conn: sa.Connection, rows: Sequence[Row]) -> None:
        # A full sync inserts seven references per family: COPY, not executemany.
        _copy(conn, "product_images", IMAGE_REF_COLUMNS, rows)

    @staticmethod
    def _stage(conn: sa.Connection, table: sa.Table, columns: Sequence[str]) -> str:
        """A session-local staging table shaped like ``table``, emptied at every commit."""
        name = f"pg_temp.promosync_stage_{table.name}"
        names = ", ".join(columns)
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {table.name} WITH NO DATA"
        )
        return name


def _merge_sql(
    table: str,
    stage: str,
    columns: Sequence[str],
    updates: Sequence[str],
    key: Sequence[str] = ("sku",),
    *,
    only_changed: bool = False,
) -> str:
    """INSERT … SELECT from the staging table, updating ``updates`` on a key conflict.

    Every name comes from the schema module, never from data.
    """
    names = ", ".join(columns)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updates)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {assignments}"
    )
    if only_changed:
        current = ", ".join(f"{table}.{c}" for c in updates)
        incoming = ", ".join(f"EXCLUDED.{c}" for c in updates)
        sql += f" WHERE ({current}) IS DISTINCT FROM ({incoming})"
    return sql


def _copy(conn: sa.Connection, table: str, columns: Sequence[str], rows: Any) -> None:
    """COPY ``rows`` into ``table`` through the psycopg 3 connection under ``conn``."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with _copying(conn, statement) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_text(conn: sa.Connection, table: str, columns: Sequence[str], text: bytes) -> None:
    """COPY ``text``, rows in PostgreSQL's text format encoded in UTF-8, into ``table``
    (no round trip when there are none)."""
    if not text:
        return
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (ENCODING 'UTF8')"
    with _copying(conn, statement) as copy:
        copy.write(text)


@contextmanager
def _copying(conn: sa.Connection, statement: str) -> Iterator[Any]:
    """A psycopg 3 COPY on the connection under ``conn``; its driver errors are wrapped like
    those of any statement (IntegrityError, DataError …)."""
    raw: Any = conn.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            yield copy
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            statement, None, exc, conn.dialect.loaded_dbapi.Error
        ) from exc
