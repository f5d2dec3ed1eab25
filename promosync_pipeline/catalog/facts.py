"""A family's catalog rows as facts, and what changed between two versions of them.

A fact is one value of a family under a stable path: ``name.en``,
``product_variants.color``, ``price_tiers.BENELUX.selling.100.price``,
``imprint_prices.A23-SCREEN_1C.BENELUX.selling.1.price``, ``attributes.VideoUrl`` … (with the
variant it belongs to, if any). Two versions of a family are compared fact by fact: a fact only
the new one has was added (old value NULL), one only the old one has was removed (new value
NULL), one whose text differs changed. Values are compared as text: ``1.50`` and ``1.5000``
(as the database hands a price back) are one price.

No SQL here: the rows come from the staged family (new) and from the catalog (old).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from promosync_pipeline.catalog.copy_text import ImprintPriceRow, TierRow
from promosync_pipeline.catalog.decoration import ChargeRow, OptionRow, PositionRow
from promosync_pipeline.catalog.rows import ImageRefRow, PriceTermRow, ProductRow, VariantRow
from promosync_pipeline.promidata.hashing import PARSER_VERSION

FactKey = tuple[str | None, str, str]
"""(variant SKU or None, field path, discriminator: the URL of an image, :data:`ROOT` for
the fact that a variant, position, option or charge exists, else empty)."""
ROOT = "#"

PRODUCT_BOOKKEEPING = frozenset(
    {"sku", "supplier_code", "source_url", "source_hash", "content_hash", "variant_count"}
    | {"price_min", "price_max", "currency", "parser_version"}
)
"""Product columns that record where a family came from, or that its tiers decide."""
BEFORE_VERSIONS = (
    "attributes.",
    "product_variants.country_of_origin",
    "product_variants.customs_tariff_number",
    "product_variants.carton_",
    "product_variants.attributes.",
    "price_terms.",
    "imprint_",
    "product_images.imprint",
)
"""Facts the catalog holds since it records parser versions (version 3): a family last written
before gains them without the supplier changing anything, so they are not reported for it."""


@dataclass
class FamilyState:
    """A family's rows, as the change feed compares them."""

    product: ProductRow
    variants: list[VariantRow] = field(default_factory=list)
    tiers: list[TierRow] = field(default_factory=list)
    terms: list[PriceTermRow] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)
    options: list[OptionRow] = field(default_factory=list)
    charges: list[ChargeRow] = field(default_factory=list)
    prices: list[ImprintPriceRow] = field(default_factory=list)
    images: list[ImageRefRow] = field(default_factory=list)
    parser_version: str | None = PARSER_VERSION
    """The parser version that wrote it (None: before versions were recorded)."""


@dataclass(frozen=True, slots=True)
class FactChange:
    variant_sku: str | None
    field: str
    old_value: str | None
    new_value: str | None
    price_move: float | None


def text(value: Any) -> str | None:
    """A value as the change feed shows it: ``8.98``, ``175.5``, ``true``, compact JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(normal if normal != 0 else Decimal(0), "f")
    if isinstance(value, float):
        return text(Decimal(repr(value)))
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)


def diff(old: FamilyState, new: FamilyState) -> list[FactChange]:
    """Every fact that differs between two versions of a family, in path order.

    Rows both versions hold alike are left out before their facts are listed: they cannot
    differ, and most of a changed family's rows (its print options above all) are such rows.
    """
    alike = _rows_alike(old, new)
    before, after = facts(old, alike), facts(new, alike)
    if old.parser_version is None:
        after = {k: v for k, v in after.items() if not k[1].startswith(BEFORE_VERSIONS)}
        before = {k: v for k, v in before.items() if not k[1].startswith(BEFORE_VERSIONS)}
    inside = _inside_of(
        [k for k in before.keys() ^ after.keys() if k[2] == ROOT]  # came or went whole
    )
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[1], k[0] or "", k[2])):
        was, now = before.get(key), after.get(key)
        if was != now and not inside(key):
            changes.append(FactChange(key[0], key[1], was, now, _move(key[1], was, now)))
    return changes


def _inside_of(roots: Sequence[FactKey]) -> Callable[[FactKey], bool]:
    """Whether a fact belongs to one of ``roots`` (a variant, position, option or charge that
    came or went whole: its one row says so, its values are not listed one by one)."""
    variants = {variant for variant, path, _ in roots if path == "product_variants"}
    prefixes: dict[str | None, list[str]] = {}
    for variant, path, _ in roots:
        if path == "product_variants":
            continue
        kind, _, name = path.partition(".")
        found = prefixes.setdefault(variant, [])
        found.append(f"{path}.")
        if kind in ("imprint_options", "imprint_charges"):
            found.append(f"imprint_prices.{name}.")

    def inside(key: FactKey) -> bool:
        variant, path, mark = key
        if mark == ROOT:
            return False
        if variant in variants:
            return True
        return path.startswith(tuple(prefixes.get(variant, ())))

    return inside


ROW_LISTS = ("variants", "tiers", "terms", "positions", "options", "charges", "prices", "images")
"""The :class:`FamilyState` attributes that hold lists of rows."""


def _rows_alike(old: FamilyState, new: FamilyState) -> set[int]:
    """The ``id()`` of every row that has an identical twin in the other version (each row
    paired at most once)."""
    alike: set[int] = set()
    for name in ROW_LISTS:
        unmatched: dict[Any, list[Any]] = {}
        for row in getattr(old, name):
            key = _strict(row)
            if key is not None:
                unmatched.setdefault(key, []).append(row)
        for row in getattr(new, name):
            twins = unmatched.get(_strict(row))
            if twins:
                alike.update((id(row), id(twins.pop())))
    return alike


def _strict(row: tuple[Any, ...]) -> Any:
    """A key that is equal for two rows exactly when they list the same facts: the values
    with their types (``True`` is not ``1``), JSON values as sorted text; None when a value
    is neither hashable nor JSON (such a row is never taken as alike)."""
    types = tuple(map(type, row))
    if dict in types or list in types:
        row = tuple(_json(v) if isinstance(v, dict | list) else v for v in row)
    key = (row, types)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _move(path: str, old: str | None, new: str | None) -> float | None:
    if not path.endswith(".price") or old is None or new is None:
        return None
    before, after = Decimal(old), Decimal(new)
    return None if before == 0 else float((after - before) / before)


def facts(state: FamilyState, alike: Set[int] = frozenset()) -> dict[FactKey, str]:
    """The family's facts, leaving out those of the rows whose ``id()`` is in ``alike``."""
    out: dict[FactKey, str] = {}
    _product(out, state.product)
    for variant in _unlike(state.variants, alike):
        _variant(out, variant)
    for tier in _unlike(state.tiers, alike):
        base = f"price_tiers.{tier.region}.{tier.kind}.{tier.min_quantity}"
        _put(out, tier.variant_sku, f"{base}.price", tier.price)
        _put(out, tier.variant_sku, f"{base}.currency", tier.currency)
        _put(out, tier.variant_sku, f"{base}.on_request", tier.on_request or None)
    for term in _unlike(state.terms, alike):
        base = f"price_terms.{term.region}"
        for name in ("min_order_quantity", "quantity_increment", "vat_percentage"):
            _put(out, term.variant_sku, f"{base}.{name}", getattr(term, name))
        _put(out, term.variant_sku, f"{base}.vat_setting_id", term.vat_setting_id)
    _decoration(out, state, alike)
    for image in _unlike(state.images, alike):
        path = f"product_images.{image.role}"
        if image.position_code is not None:
            path += f".{image.position_code}"
        out[(image.variant_sku, path, image.source_url)] = image.source_url
    return out


def _unlike(rows: Sequence[Any], alike: Set[int]) -> Iterator[Any]:
    """The rows whose ``id()`` is not in ``alike``: those whose facts are listed."""
    return (row for row in rows if id(row) not in alike)


def _put(
    out: dict[FactKey, str], variant: str | None, path: str, value: Any, mark: str = ""
) -> None:
    shown = text(value)
    if shown is not None:
        out[(variant, path, mark)] = shown


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The scalar values of a JSON value, each under its path (``a.b[2].c``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    elif value is not None:
        yield path, value


def _columns(
    out: dict[FactKey, str], variant: str | None, prefix: str, row: Any, skip: frozenset[str]
) -> None:
    """Every column of ``row`` as facts under ``prefix``: ``{language: text}`` and JSON values
    by their leaves."""
    for name, value in zip(row._fields, row, strict=True):
        if name in skip:
            continue
        path = f"{prefix}{name}"
        if isinstance(value, dict | list):
            for leaf, item in _leaves(value, path):
                _put(out, variant, leaf, item)
        else:
            _put(out, variant, path, value)


def _product(out: dict[FactKey, str], product: ProductRow) -> None:
    _columns(out, None, "", product, PRODUCT_BOOKKEEPING)


VARIANT_KEYS = frozenset({"sku", "product_sku"})


def _variant(out: dict[FactKey, str], variant: VariantRow) -> None:
    _put(out, variant.sku, "product_variants", variant.sku, ROOT)
    _columns(out, variant.sku, "product_variants.", variant, VARIANT_KEYS)


DECORATION_KEYS = frozenset(
    {"id", "product_sku", "variant_sku", "position_id", "option_id", "sort_order"}
)


def _decoration(out: dict[FactKey, str], state: FamilyState, alike: Set[int]) -> None:
    """Positions, options and charges under the feed's codes: an option by its SKU (``@`` and
    its position's code where one SKU is offered at two positions of one variant), a charge
    by its own SKU; their prices under the option's or charge's path."""
    positions = {
        p.id: (p.variant_sku, p.position_code or f"#{p.sort_order}") for p in state.positions
    }
    for p in _unlike(state.positions, alike):
        variant, code = positions[p.id]
        _put(out, variant, f"imprint_positions.{code}", code, ROOT)
        _columns(out, variant, f"imprint_positions.{code}.", p, DECORATION_KEYS | {"position_code"})
    options = _option_paths(state.options, positions)
    for o in _unlike(state.options, alike):
        variant, path = options[o.id]
        _put(out, variant, f"imprint_options.{path}", o.option_sku or path, ROOT)
        _columns(out, variant, f"imprint_options.{path}.", o, DECORATION_KEYS | {"option_sku"})
    charges: dict[int, tuple[str | None, str]] = {}
    for c in state.charges:
        variant, option_path = options[c.option_id]
        charges[c.id] = (variant, c.charge_sku or f"{option_path}#c{c.sort_order}")
    for c in _unlike(state.charges, alike):
        variant, path = charges[c.id]
        _put(out, variant, f"imprint_charges.{path}", c.charge_sku or path, ROOT)
        _columns(out, variant, f"imprint_charges.{path}.", c, DECORATION_KEYS | {"charge_sku"})
    owners = {**options, **charges}
    for price in _unlike(state.prices, alike):
        variant, path = owners[price.owner_id]
        base = f"imprint_prices.{path}.{price.region}.{price.kind}.{price.min_quantity}"
        _put(out, variant, f"{base}.price", price.price)
        _put(out, variant, f"{base}.currency", price.currency)
        _put(out, variant, f"{base}.on_request", price.on_request or None)


def _option_paths(
    options: Sequence[OptionRow], positions: Mapping[int, tuple[str | None, str]]
) -> dict[int, tuple[str | None, str]]:
    """Option id -> (variant, path segment)."""
    named = Counter((positions[o.position_id][0], o.option_sku) for o in options)
    out = {}
    for o in options:
        variant, code = positions[o.position_id]
        path = o.option_sku or f"{code}#{o.sort_order}"
        if o.option_sku and named[(variant, o.option_sku)] > 1:
            path = f"{o.option_sku}@{code}"
        out[o.id] = (variant, path)
    return out
