"""The data-quality checks of decoration and order terms: each passes on a clean family and
fails, naming examples, on the family that breaks it."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
import sqlalchemy as sa

from promosync_pipeline import checks, names
from promosync_pipeline.catalog import Catalog, FamilyWrite, quality
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import block, clone, reference_like, tier
from promosync_pipeline_tests.support.catalog import write_families

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine(catalog_engine: sa.Engine) -> sa.Engine:
    return catalog_engine


def _write(engine: sa.Engine, *docs: dict) -> None:
    writes = []
    for doc in docs:
        family = parse_product(orjson.dumps(doc), "f.json", supplier_code="A23")
        writes.append(FamilyWrite(family, "u", "H", content_hash(family)))
    assert write_families(Catalog(engine), "A23", writes, T0).failed == {}


def _renamed(doc: dict, sku: str) -> dict:
    doc = clone(doc)
    doc["Sku"] = sku
    for i, kid in enumerate(doc["ChildProducts"]):
        kid["Sku"] = f"{sku}-{i}"
    return doc


def test_a_clean_family_passes_every_decoration_check(engine: sa.Engine):
    _write(engine, reference_like())
    for evaluate in (
        checks.options_have_prices,
        checks.charges_have_prices,
        checks.print_prices_not_negative,
        checks.order_terms_valid,
    ):
        outcome = evaluate(engine, "A23")
        assert outcome.passed, (evaluate.__name__, outcome.description)
        assert outcome.metadata["checked"] > 0


def test_each_broken_rule_fails_its_check_naming_the_family(engine: sa.Engine):
    unpriced = _renamed(reference_like(), "A23-301")
    for kid in unpriced["ChildProducts"]:
        kid["ImprintPositions"][0]["ImprintOptions"][2]["ProductPriceCountryBased"] = None
    free_setup = _renamed(reference_like(), "A23-302")
    for kid in free_setup["ChildProducts"]:
        charge = kid["ImprintPositions"][0]["ImprintOptions"][0]["ImprintCosts"][0]
        charge["ProductPriceCountryBased"] = {"BENELUX": block([tier(None, 1)])}
    negative = _renamed(reference_like(), "A23-303")
    for kid in negative["ChildProducts"]:
        selling = kid["ImprintPositions"][0]["ImprintOptions"][1]["ProductPriceCountryBased"]
        selling["BENELUX"]["RecommendedSellingPrice"][0]["Price"] = -0.5
    zero_moq = _renamed(reference_like(), "A23-304")
    zero_moq["ChildProducts"][0]["ProductPriceCountryBased"]["BENELUX"]["MinimumOrderQuantity"] = 0
    _write(engine, reference_like(), unpriced, free_setup, negative, zero_moq)

    options = checks.options_have_prices(engine, "A23")
    assert (options.passed, options.severity) == (False, checks.WARN)
    assert options.metadata["examples"] == "A23-301: A23-SCREEN_3C"
    charges = checks.charges_have_prices(engine, "A23")
    assert not charges.passed and charges.metadata["examples"] == "A23-302: A23-SCREEN_1C_S"
    prices = checks.print_prices_not_negative(engine, "A23")
    assert (prices.passed, prices.severity) == (False, checks.ERROR)
    assert prices.metadata["examples"] == "A23-303: A23-SCREEN_2C"
    terms = checks.order_terms_valid(engine, "A23")
    assert not terms.passed and terms.metadata["examples"] == "A23-304-0: BENELUX"
    assert quality.order_terms_below_one(engine, "A23").count == 1


def test_the_checks_run_in_the_quality_step_with_their_severities():
    specs = {key.name: spec for key, spec in checks.SPECS.items()}
    for name in (
        names.CHECK_OPTIONS_HAVE_PRICES,
        names.CHECK_CHARGES_HAVE_PRICES,
        names.CHECK_PRINT_PRICES_NOT_NEGATIVE,
        names.CHECK_ORDER_TERMS_VALID,
    ):
        assert specs[name].asset_key.to_user_string() == names.CATALOG_VARIANTS
