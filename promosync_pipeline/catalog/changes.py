"""The change feed: ``catalog_changes``, one row per changed fact per committed sync.

Changes are computed where they are cheapest: for the families a batch writes, between the
rows staged for them and the rows the catalog holds, read back inside the batch's own
transaction just before they are replaced (``facts.diff``), and recorded in that transaction.
So a change is recorded exactly when it is committed, never for a family that failed or was
refused. A new family gives one ``added`` row, a deactivated one a ``removed`` row. A dry run
computes the same changes without writing anything but ``change_previews``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.copy_text import ImprintPriceRow, TierRow
from promosync_pipeline.catalog.decoration import ChargeRow, OptionRow, PositionRow
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.facts import FamilyState, diff
from promosync_pipeline.catalog.rows import (
    FamilyRows,
    ImageRefRow,
    PriceTermRow,
    ProductRow,
    VariantRow,
)
from promosync_pipeline.catalog.schema import ChangeKind
from promosync_pipeline.catalog.sql import among, chunks
from promosync_pipeline.catalog.writers import row_writer

DEFAULT_RETENTION_DAYS = 365
c = t.catalog_changes


class Change(NamedTuple):
    """A ``catalog_changes`` row (or a dry run's preview of one)."""

    supplier_code: str
    product_sku: str
    variant_sku: str | None
    change: str
    """A :class:`ChangeKind`."""
    field: str | None
    old_value: str | None
    new_value: str | None
    price_move: float | None
    created_at: datetime
    sync_run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of a change (``promosync changes --json``, the webhook)."""
        return {
            "sync_run_id": self.sync_run_id,
            "supplier_code": self.supplier_code,
            "product_sku": self.product_sku,
            "variant_sku": self.variant_sku,
            "change": str(self.change),
            "field": self.field,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "price_move": None if self.price_move is None else round(self.price_move, 6),
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class StoredFamily:
    state: FamilyState
    is_active: bool


def state_of(rows: FamilyRows) -> FamilyState:
    """A staged family as the change feed compares it (its price rows decoded)."""
    d = rows.decoration
    return FamilyState(
        rows.product,
        rows.variants,
        rows.tiers.rows(),
        rows.terms,
        d.positions,
        d.options,
        d.charges,
        rows.imprint_prices.rows(),
        rows.images,
        rows.product.parser_version,
    )


def family_changes(
    supplier_code: str, rows: FamilyRows, stored: StoredFamily | None, now: datetime
) -> list[Change]:
    """What writing ``rows`` over what the catalog holds of the family changes."""
    name = _display(rows.product.name)
    if stored is None:
        return [
            Change(supplier_code, rows.sku, None, ChangeKind.ADDED, None, None, name, None, now)
        ]
    out = []
    if not stored.is_active:
        out.append(
            Change(
                supplier_code, rows.sku, None, ChangeKind.REACTIVATED, None, None, name, None, now
            )
        )
    new = state_of(rows)
    for fact in diff(_without_gone_variants(stored.state, new), new):
        if not stored.is_active and fact.field == "product_variants.is_active":
            continue  # deactivated with the family, active again with it: the row above
        out.append(
            Change(
                supplier_code, rows.sku, fact.variant_sku, ChangeKind.CHANGED, fact.field,
                fact.old_value, fact.new_value, fact.price_move, now,
            )
        )  # fmt: skip
    return out


def _without_gone_variants(old: FamilyState, new: FamilyState) -> FamilyState:
    """``old`` without the variants that left the family at an earlier sync (kept inactive
    in the catalog, absent from the feed): they went then, not now."""
    listed = {v.sku for v in new.variants}
    gone = {v.sku for v in old.variants if not v.is_active and v.sku not in listed}
    if not gone:
        return old
    positions = [p for p in old.positions if p.variant_sku not in gone]
    kept_positions = {p.id for p in positions}
    options = [o for o in old.options if o.position_id in kept_positions]
    kept_options = {o.id for o in options}
    charges = [c for c in old.charges if c.option_id in kept_options]
    owners = kept_options | {c.id for c in charges}
    return FamilyState(
        old.product,
        [v for v in old.variants if v.sku not in gone],
        [tier for tier in old.tiers if tier.variant_sku not in gone],
        [term for term in old.terms if term.variant_sku not in gone],
        positions,
        options,
        charges,
        [p for p in old.prices if p.owner_id in owners],
        [i for i in old.images if i.variant_sku not in gone],
        old.parser_version,
    )


def stored_families(conn: sa.Connection, skus: Sequence[str]) -> dict[str, StoredFamily]:
    """What the catalog holds of these families (those it has), read in the caller's
    transaction: every row the change feed compares."""
    if not skus:
        return {}
    p = t.products
    product_columns = [p.c[name] for name in ProductRow._fields]
    query = sa.select(*product_columns, p.c.is_active).where(among(conn, p.c.sku, skus))
    products = {row[0]: row for row in conn.execute(query)}
    if not products:
        return {}
    found = list(products)
    parts = {
        "variants": _rows(conn, t.product_variants, VariantRow, found),
        "tiers": _rows(conn, t.price_tiers, TierRow, found),
        "terms": _rows(conn, t.price_terms, PriceTermRow, found),
        "positions": _rows(conn, t.imprint_positions, PositionRow, found),
        "options": _rows(conn, t.imprint_options, OptionRow, found),
        "charges": _rows(conn, t.imprint_charges, ChargeRow, found),
        "prices": _rows(conn, t.imprint_prices, ImprintPriceRow, found),
        "images": _images(conn, found),
    }
    out = {}
    for sku, row in products.items():
        product = ProductRow._make(row[:-1])
        state = FamilyState(product, parser_version=product.parser_version)
        for name, rows in parts.items():
            setattr(state, name, rows.get(sku, []))
        out[sku] = StoredFamily(state, bool(row[-1]))
    return out


def _rows(
    conn: sa.Connection, table: sa.Table, row_type: Any, skus: Sequence[str]
) -> dict[str, list[Any]]:
    columns = [table.c[name] for name in row_type._fields]
    query = sa.select(*columns).where(among(conn, table.c.product_sku, skus))
    out: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query).all():  # fetchall: no driver call per row
        item = row_type._make(row)
        out[item.product_sku].append(item)
    return out


def _images(conn: sa.Connection, skus: Sequence[str]) -> dict[str, list[Any]]:
    pi = t.product_images
    columns = [pi.c[name] for name in ImageRefRow._fields]
    query = sa.select(*columns).where(among(conn, pi.c.product_sku, skus), pi.c.parent_id.is_(None))
    out: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query).all():  # fetchall: no driver call per row
        out[row[0]].append(ImageRefRow._make(row))
    return out


def insert_changes(conn: sa.Connection, changes: Sequence[Change], sync_run_id: int | None) -> None:
    """Record ``changes`` in the caller's transaction (the family write's); COPY on PostgreSQL
    (a 1 % change of a decorated feed records some 500 rows a family)."""
    rows = [ch._replace(change=str(ch.change), sync_run_id=sync_run_id) for ch in changes]
    row_writer(conn).insert(conn, c, Change._fields, rows)


def _values(change: Change, **extra: Any) -> dict[str, Any]:
    return {
        "supplier_code": change.supplier_code,
        "product_sku": change.product_sku,
        "variant_sku": change.variant_sku,
        "change": str(change.change),
        "field": change.field,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "price_move": change.price_move,
        "created_at": change.created_at,
        **extra,
    }


def removal_changes(
    conn: sa.Connection, supplier_code: str, skus: Sequence[str], now: datetime
) -> list[Change]:
    """``removed`` rows for those of ``skus`` that are active (read before deactivating)."""
    p = t.products
    query = sa.select(p.c.sku, p.c.name).where(
        among(conn, p.c.sku, skus), p.c.supplier_code == supplier_code, p.c.is_active
    )
    return [
        Change(supplier_code, sku, None, ChangeKind.REMOVED, None, _display(name), None, None, now)
        for sku, name in conn.execute(query)
    ]


def _display(names: dict[str, str] | None) -> str | None:
    return (names.get("en") or next(iter(names.values()), None)) if names else None


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What one sync changed (or a dry run would change), counted."""

    added: int = 0
    removed: int = 0
    reactivated: int = 0
    families_changed: int = 0
    """Families with at least one changed fact."""
    facts_changed: int = 0
    prices_up: int = 0
    prices_down: int = 0
    largest_moves: tuple[Change, ...] = ()
    """The largest price moves, largest first."""

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.reactivated or self.facts_changed)

    def describe(self) -> str:
        """``2 added, 0 removed, 0 reactivated, 5 changed (14 facts), prices 3 up, 1 down``."""
        return (
            f"{self.added} added, {self.removed} removed, {self.reactivated} reactivated, "
            f"{self.families_changed} changed ({self.facts_changed} facts), prices "
            f"{self.prices_up} up, {self.prices_down} down"
        )

    def counts(self) -> dict[str, int]:
        return {
            "families_added": self.added,
            "families_removed": self.removed,
            "families_reactivated": self.reactivated,
            "families_changed": self.families_changed,
            "facts_changed": self.facts_changed,
            "prices_up": self.prices_up,
            "prices_down": self.prices_down,
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.counts(), "largest_moves": [m.as_json() for m in self.largest_moves]}


LARGEST_MOVES = 10


def summary(conn: sa.Connection, table: sa.Table, where: Any) -> ChangeSummary:
    """The changes of ``table`` (``catalog_changes`` or ``change_previews``) matching
    ``where``, counted in SQL (a full refresh may have changed a million facts)."""
    kinds: dict[str, int] = {
        kind: int(n)
        for kind, n in conn.execute(
            sa.select(table.c.change, sa.func.count()).where(where).group_by(table.c.change)
        )
    }
    changed = table.c.change == ChangeKind.CHANGED
    families, up, down = conn.execute(
        sa.select(
            sa.func.count(sa.distinct(table.c.product_sku)).filter(changed),
            sa.func.count().filter(table.c.price_move > 0),
            sa.func.count().filter(table.c.price_move < 0),
        ).where(where)
    ).one()
    moves = conn.execute(
        _select(table)
        .where(where, table.c.price_move.is_not(None))
        .order_by(sa.func.abs(table.c.price_move).desc(), table.c.product_sku, table.c.field)
        .limit(LARGEST_MOVES)
    )
    return ChangeSummary(
        added=kinds.get(ChangeKind.ADDED, 0),
        removed=kinds.get(ChangeKind.REMOVED, 0),
        reactivated=kinds.get(ChangeKind.REACTIVATED, 0),
        families_changed=int(families or 0),
        facts_changed=kinds.get(ChangeKind.CHANGED, 0),
        prices_up=int(up or 0),
        prices_down=int(down or 0),
        largest_moves=tuple(Change._make(row) for row in moves),
    )


class ChangeFeed:
    """The change feed of every supplier, behind one engine: queries, previews, pruning."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def since(
        self,
        suppliers: Sequence[str] = (),
        *,
        after: datetime | None = None,
        from_sync_run: int | None = None,
        limit: int | None = None,
    ) -> list[Change]:
        """Changes of these suppliers (all when empty), recorded at or after ``after`` or by
        sync run ``from_sync_run`` and later ones; the largest price moves first, then by
        family and field."""
        query = _select(c)
        if suppliers:
            query = query.where(c.c.supplier_code.in_(list(suppliers)))
        if after is not None:
            query = query.where(c.c.created_at >= after)
        if from_sync_run is not None:
            query = query.where(c.c.sync_run_id >= from_sync_run)
        query = query.order_by(*_largest_moves_first(c)).limit(limit)
        with self.engine.connect() as conn:
            return [Change._make(row) for row in conn.execute(query)]

    def summary_of_run(self, sync_run_id: int) -> ChangeSummary:
        with self.engine.connect() as conn:
            return summary(conn, c, c.c.sync_run_id == sync_run_id)

    def summary_of_preview(self, run_id: str) -> ChangeSummary:
        previews = t.change_previews
        with self.engine.connect() as conn:
            return summary(conn, previews, previews.c.run_id == run_id)

    def prune(self, supplier_code: str, now: datetime, retention_days: float) -> int:
        """Delete the supplier's changes older than the retention; the number deleted."""
        cut = now - timedelta(days=retention_days)
        with writer(self.engine).begin() as conn:
            deleted = conn.execute(
                sa.delete(c).where(c.c.supplier_code == supplier_code, c.c.created_at < cut)
            ).rowcount
            previews = t.change_previews
            conn.execute(
                sa.delete(previews).where(
                    previews.c.supplier_code == supplier_code, previews.c.created_at < cut
                )
            )
        return int(deleted)

    def save_preview(self, run_id: str, supplier_code: str, changes: Iterable[Change]) -> int:
        """A dry run's changes, replacing the supplier's earlier previews."""
        previews = t.change_previews
        rows = [_values(change, run_id=run_id) for change in changes]
        with writer(self.engine).begin() as conn:
            conn.execute(sa.delete(previews).where(previews.c.supplier_code == supplier_code))
            for part in chunks(rows, 5000):
                conn.execute(sa.insert(previews), list(part))
        return len(rows)

    def drop_preview(self, run_id: str) -> None:
        previews = t.change_previews
        with writer(self.engine).begin() as conn:
            conn.execute(sa.delete(previews).where(previews.c.run_id == run_id))

    def preview(self, run_id: str) -> list[Change]:
        previews = t.change_previews
        query = (
            _select(previews)
            .where(previews.c.run_id == run_id)
            .order_by(*_largest_moves_first(previews))
        )
        with self.engine.connect() as conn:
            return [Change._make(row) for row in conn.execute(query)]


def _largest_moves_first(table: sa.Table) -> list[Any]:
    size = sa.func.abs(table.c.price_move)
    return [
        sa.case((table.c.price_move.is_(None), 1), else_=0),
        size.desc(),
        table.c.supplier_code,
        table.c.product_sku,
        table.c.field,
        table.c.id,
    ]


def _select(table: sa.Table) -> sa.Select[Any]:
    """The columns of a :class:`Change`, in its order (``change_previews`` has no sync run)."""
    run = table.c.sync_run_id if "sync_run_id" in table.c else sa.null()
    return sa.select(*(table.c[name] for name in Change._fields if name != "sync_run_id"), run)
