"""Small SQL helpers every catalog module uses: IN lists in chunks, ``= ANY`` on PostgreSQL,
and set-based upserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

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
