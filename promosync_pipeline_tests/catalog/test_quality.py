"""The price-tier audit behind three catalog checks, on both backends: what each rule counts,
how many tiers it looked at, and which variants it names."""

from __future__ import annotations

from datetime import UTC, datetime

from promosync_pipeline.catalog import Catalog, quality
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.families import SUPPLIER, family, tier, variant, write

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _store_ladders(
    catalog: Catalog,
    ladders: dict[str, list[str | None]],
    quantities: tuple[int, ...] = (1, 50, 100, 250),
) -> None:
    """One family whose variant ``<name>`` has one selling ladder of these prices at these
    quantities (None: on request)."""
    variants = tuple(
        variant(
            f"{SUPPLIER}-1-{name}",
            price_tiers=tuple(
                tier(price, quantity, on_request=price is None)
                for quantity, price in zip(quantities, prices, strict=False)
            ),
        )
        for name, prices in ladders.items()
    )
    stats = write_families(catalog, SUPPLIER, [write(family(1, variants=variants))], T0)
    assert stats.failed == {}


def test_a_ladder_rises_when_a_tier_costs_more_than_a_priced_tier_below_it(
    catalog: Catalog,
) -> None:
    _store_ladders(
        catalog,
        {
            "falling": ["10.00", "9.00", "8.00", "7.00"],
            "flat": ["5.00", "5.00", "5.00"],
            "step_up": ["10.00", "11.00"],
            "over_on_request": ["10.00", None, "12.00"],  # compared with the tier below the gap
            "on_request_falling": ["10.00", None, "8.00"],
            "up_then_down": ["10.00", "5.00", "7.00", "6.00"],
            "only_on_request": [None, None],
        },
    )

    found = quality.tier_audit(catalog.engine, SUPPLIER).rising_prices

    assert found.count == 3
    assert found.examples == tuple(
        f"{SUPPLIER}-1-{name}" for name in ("over_on_request", "step_up", "up_then_down")
    )
    assert found.checked == 4 + 3 + 2 + 3 + 3 + 4 + 2  # every tier, on-request ones included


def test_negative_prices_and_quantities_are_counted_per_variant(catalog: Catalog) -> None:
    _store_ladders(
        catalog,
        {
            "fine": ["3.00", "2.00"],
            "one_negative": ["3.00", "-1.00"],
            "two_negative": ["-3.00", "-4.00"],
        },
    )

    audit = quality.tier_audit(catalog.engine, SUPPLIER)
    prices, quantities = audit.negative_prices, audit.negative_quantities

    assert (prices.count, prices.checked) == (2, 6)
    assert prices.examples == (f"{SUPPLIER}-1-one_negative", f"{SUPPLIER}-1-two_negative")
    assert (quantities.count, quantities.checked, quantities.examples) == (0, 6, ())


def test_a_negative_minimum_quantity_is_counted_per_variant(catalog: Catalog) -> None:
    _store_ladders(catalog, {"from_minus_five": ["3.00", "2.00"]}, quantities=(-5, 50))

    audit = quality.tier_audit(catalog.engine, SUPPLIER)

    assert audit.negative_quantities == quality.Offenders(1, 2, (f"{SUPPLIER}-1-from_minus_five",))
    assert audit.negative_prices.count == audit.rising_prices.count == 0


def test_tiers_of_inactive_products_are_not_audited(catalog: Catalog) -> None:
    _store_ladders(catalog, {"step_up": ["1.00", "2.00"]})
    catalog.families.deactivate(SUPPLIER, [f"{SUPPLIER}-1"], T0)

    audit = quality.tier_audit(catalog.engine, SUPPLIER)

    assert audit.rising_prices == audit.negative_prices == quality.Offenders(0, 0, ())
