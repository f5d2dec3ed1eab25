"""What the database would refuse of a family's rows, found before writing them.

The checks mirror the schema's limits, so a value the database would refuse fails its family
with a readable reason, on PostgreSQL and SQLite alike (SQLite enforces no string lengths), and
one bad family never costs its batch a round of halving. They run where the file is parsed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t

INT32 = 2**31
Limits = list[tuple[int, str, int]]


def family_problem(
    product: Any,
    variants: Sequence[Any],
    tiers: Sequence[Any],
    terms: Sequence[Any],
    decoration: Any,
) -> str | None:
    """Why the database would refuse a family's rows (named tuples of ``catalog.rows`` and
    ``catalog.decoration``), or None."""
    if not product.sku:
        return "family without a SKU"
    checks = (
        lambda: too_long("products", product, _bounds("products", product._fields)),
        lambda: variants_problem([v.sku for v in variants]),
        lambda: _each("product_variants", variants),
        lambda: _each("price_terms", terms),
        lambda: _each("imprint_positions", decoration.positions),
        lambda: _each("imprint_options", decoration.options),
        lambda: _each("imprint_charges", decoration.charges),
        lambda: amount_problem(
            "imprint_charges", (c.calculation_amount for c in decoration.charges)
        ),
        lambda: _prices("price_tiers", tiers, 4, ("variant_sku", "product_sku", "kind")),
        lambda: _prices("imprint_prices", decoration.prices, 4, ("product_sku", "kind")),
    )
    return next((reason for check in checks if (reason := check())), None)


def _each(table: str, rows: Sequence[Any]) -> str | None:
    if not rows:
        return None
    return rows_too_long(table, rows, _bounds(table, rows[0]._fields))


def _prices(table: str, rows: Sequence[Any], key: int, skip: Sequence[str]) -> str | None:
    if not rows:
        return None
    return prices_problem(table, rows, _bounds(table, rows[0]._fields), key, skip)


@functools.cache
def _bounds(table: str, columns: tuple[str, ...]) -> Limits:
    return limits(t.metadata.tables[table], columns)


def limits(table: sa.Table, columns: Sequence[str]) -> Limits:
    """(position, column, max length) of the length-limited columns among ``columns``."""
    out = []
    for position, name in enumerate(columns):
        length = getattr(table.c[name].type, "length", None)
        if length:
            out.append((position, name, length))
    return out


def too_long(table: str, row: Sequence[Any], bounds: Limits) -> str | None:
    """Why one of ``row``'s values is too long for ``table``, or None."""
    for position, name, limit in bounds:
        value = row[position]
        if value is not None and len(value) > limit:
            return f"{table}.{name} of {row[0]!r:.80} is {len(value)} characters long (max {limit})"
    return None


def rows_too_long(table: str, rows: Iterable[Sequence[Any]], bounds: Limits) -> str | None:
    return next((r for row in rows if (r := too_long(table, row, bounds))), None)


def variants_problem(skus: Sequence[str]) -> str | None:
    seen: set[str] = set()
    for sku in skus:
        if not sku:
            return "variant without a SKU"
        if sku in seen:
            return f"variant SKU {sku} occurs twice in the family"
        seen.add(sku)
    return None


def prices_problem(
    table: str, rows: Sequence[Any], bounds: Limits, key: int, skip: Sequence[str]
) -> str | None:
    """Price rows (``price_tiers`` or ``imprint_prices``: fields ``region``, ``kind``,
    ``min_quantity``, ``price``), checked per distinct value: a family has hundreds of prices
    but few regions. ``key``: how many leading fields make a row's key; ``skip``: columns
    checked elsewhere."""
    kinds = {row.kind for row in rows}
    if not kinds <= set(t.PRICE_KINDS):
        odd = sorted(map(repr, kinds - set(t.PRICE_KINDS)))
        return f"{table} kind {', '.join(odd)} is neither selling nor buying"
    for position, name, limit in bounds:
        if name in skip:
            continue
        reason = _text_problem(table, name, limit, {row[position] for row in rows})
        if reason:
            return reason
    quantities = [row.min_quantity for row in rows]
    if None in quantities:
        return f"{table}: a price without a minimum quantity"
    if min(quantities) < -INT32 or max(quantities) >= INT32:
        return f"{table}: minimum quantity out of range"
    prices = [row.price for row in rows if row.price is not None]
    if prices and not all(map(Decimal.is_finite, prices)):
        return f"{table}: a price is not a number"
    if prices and max(max(prices), -min(prices)) >= t.MONEY_LIMIT:
        return f"{table} price out of range ({min(prices)} … {max(prices)})"
    if len({row[:key] for row in rows}) != len(rows):
        return f"{table}: the same price ({', '.join(rows[0]._fields[:key])}) occurs twice"
    return None


def _text_problem(table: str, name: str, limit: int, values: set[Any]) -> str | None:
    if name == "region" and None in values:
        return f"{table}: a price without a region"
    if any("\x00" in v for v in values if v is not None):
        return f"{table}.{name} holds a NUL character, which PostgreSQL cannot store"
    longest = max((v for v in values if v is not None), key=len, default="")
    if len(longest) > limit:
        return f"{table}.{name} {longest!r:.80} is {len(longest)} characters long (max {limit})"
    return None


def amount_problem(table: str, amounts: Iterable[Decimal | None]) -> str | None:
    """A money value out of ``Numeric(12, 4)``'s range."""
    for amount in amounts:
        if amount is not None and (not amount.is_finite() or abs(amount) >= t.MONEY_LIMIT):
            return f"{table} amount out of range ({amount})"
    return None
