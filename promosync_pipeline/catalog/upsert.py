"""Bulk writes that work on PostgreSQL and SQLite: multi-row upserts, COPY where it pays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE every column but ``keys`` and ``keep``.

    One executemany: SQLAlchemy batches it into multi-row statements, never a round trip a row.
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updates = {
        c.name: statement.excluded[c.name]
        for c in table.columns
        if c.name not in keys and c.name not in keep and c.name in rows[0]
    }
    if updates:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, list(rows))


def insert_tuples(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Plain bulk insert; COPY on PostgreSQL (≈ 100x a row-per-statement insert)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except conn.dialect.loaded_dbapi.Error as exc:
            # raw-driver errors, wrapped so callers handle them like any statement's
            raise sa.exc.DBAPIError(statement, None, exc) from exc
        return
    conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
