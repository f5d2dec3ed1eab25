"""Bad input at the parser level: properties of ``parse_index`` and ``parse_product`` that hold
whatever the bytes. (Line-by-line index problems and single bad values are in
``promidata/test_index.py`` and ``promidata/test_product.py``; these are the extremes.)"""

import time
from urllib.parse import quote

import orjson
import pytest

from promosync_pipeline.promidata import ProductParseError, parse_index, parse_product
from promosync_pipeline_tests.promidata.builders import (
    child,
    family,
    option,
    position,
    prices,
    tier,
)

H = "9F1C" + "0" * 36


def _line(code: str, sku: str) -> str:
    return f"https://h.test/P/{code}/{sku}.json|{H}"


# -- the index --------------------------------------------------------------------------------
def test_index_cut_inside_a_line_is_flagged_truncated():
    """An index that stops inside a line (no line break after it, the line unusable or its hash
    shorter than the others') is flagged ``truncated``; a whole index is not, with or without a
    final line break."""
    whole = "\r\n".join(_line("A1", f"A1-{n}") for n in range(5))
    assert not parse_index(whole).truncated
    assert not parse_index(whole + "\r\n").truncated
    assert not parse_index("").truncated
    for cut in (len(whole) - 10, len(whole) - 45, len(whole) - 60, len(whole) - 75):
        report = parse_index(whole[:cut])
        assert report.truncated, whole[:cut][-80:]
    cut_after_the_url = whole[: whole.rindex("|") + 1]
    assert parse_index(cut_after_the_url).truncated


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("A1%2F..%2F..%2Fetc", "path separator or '..'"),
        ("..", "path separator or '..'"),
        ("A1...", "path separator or '..'"),
        ("A1%5C..", "path separator or '..'"),
        ("A1%0A", "control characters"),
        ("%20A1", "surrounding spaces"),
    ],
)
def test_supplier_codes_that_would_make_unsafe_partition_keys_are_refused(code, reason):
    """A supplier code becomes a Dagster partition key, which the filesystem IO manager turns
    into a path, and Dagster refuses keys containing '...': a code with a path separator,
    '..', control characters or surrounding spaces is an ``unsafe_name`` problem of its line
    (regression: ``A1%2F..%2F..%2Fetc`` was accepted as supplier ``A1/../../etc``)."""
    report = parse_index(f"{_line('A1', 'A1-1')}\n{_line(code, code + '-5')}\n")
    assert [e.sku for e in report.entries] == ["A1-1"]
    (problem,) = report.problems
    assert (problem.line, problem.kind) == (2, "unsafe_name")
    assert reason in problem.message


def test_quotes_and_sql_metacharacters_in_names_are_kept_exactly():
    """Quotes, semicolons, percent signs and SQL comment markers are data: kept exactly."""
    code, sku = "A1'\";--", "A1'\";---5 OR 1=1; DROP TABLE products;%_"
    url = f"https://h.test/P/{quote(code, safe='')}/{quote(sku, safe='')}.json"
    (entry,) = parse_index(f"{url}|{H}").entries
    assert (entry.supplier_code, entry.sku) == (code, sku)


def test_huge_index_line_is_a_short_problem():
    """A 1 MB line is reported, cut to 200 characters, not echoed whole into logs."""
    report = parse_index("x" * 1_000_000 + "\n" + _line("A1", "A1-1"))
    (problem,) = report.problems
    assert len(problem.text) == 200 and [e.sku for e in report.entries] == ["A1-1"]


# -- product files ----------------------------------------------------------------------------
def _parse(doc):
    return parse_product(orjson.dumps(doc), "A23/A23-100.json", expected_sku="A23-100")


def test_huge_text_fields_are_kept_whole_and_parsed_fast():
    """A 5 MB description is text like any other: kept whole, parsed in well under a second."""
    doc = family("A23-100", [child("A23-100-1")])
    doc["ProductDetails"]["en"]["Description"] = "lorem ipsum " * (5 * 1024 * 1024 // 12)
    started = time.monotonic()
    fam = _parse(doc)
    assert time.monotonic() - started < 2
    assert len(fam.description["en"]) >= 5 * 1024 * 1024 - 12


def test_ten_thousand_variants_in_one_family():
    """10,000 variants (with their tiers) parse into one family, quickly."""
    own = prices(BENELUX=([tier(2.0, 1), tier(1.5, 100)], []))
    doc = family("A23-100", [child(f"A23-100-{n}", price_block=own) for n in range(10_000)])
    started = time.monotonic()
    fam = _parse(doc)
    assert time.monotonic() - started < 10
    assert len(fam.variants) == 10_000 and fam.price_tier_count == 20_000


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


FIELDS = [
    ("Sku",),
    ("SupplierSku",),
    ("Ean",),
    ("ProductDetails",),
    ("ProductDetails", "en"),
    ("ProductDetails", "en", "Name"),
    ("ProductDetails", "en", "Description"),
    ("ProductDetails", "en", "Image"),
    ("ProductDetails", "en", "MediaGalleryImages"),
    ("ProductDetails", "en", "WebShopInformation"),
    ("ProductDetails", "en", "IsActive"),
    ("NonLanguageDependedProductDetails",),
    ("NonLanguageDependedProductDetails", "Brand"),
    ("NonLanguageDependedProductDetails", "Category"),
    ("NonLanguageDependedProductDetails", "Weight"),
    ("ProductPriceCountryBased",),
    ("ProductPriceCountryBased", "BENELUX"),
    ("ProductPriceCountryBased", "BENELUX", "RecommendedSellingPrice"),
    ("ChildProducts",),
    ("ChildProducts", 0),
    ("ChildProducts", 0, "Sku"),
    ("ChildProducts", 0, "NonLanguageDependedProductDetails", "SearchColor"),
    ("ChildProducts", 0, "NonLanguageDependedProductDetails", "Weight"),
    ("ChildProducts", 0, "ProductDetails", "en", "ConfigurationFields"),
    ("ChildProducts", 0, "NonLanguageDependedProductDetails", "CustomsTariffNumber"),
    ("ChildProducts", 0, "NonLanguageDependedProductDetails", "OuterCartonQuantityPerCarton"),
    ("ChildProducts", 0, "NonLanguageDependedProductDetails", "OuterCartonWeightNetKG"),
    ("ChildProducts", 0, "ImprintPositions"),
    ("ChildProducts", 0, "ImprintPositions", 0),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintLocationTexts", "de", "Images"),
    ("ChildProducts", 0, "ImprintPositions", 0, "UnstructuredInformation"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "FastEditorNumberOfColors"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "DimensionsWidth"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ImprintTexts"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ImprintCosts"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ImprintCosts", 0,
     "Requirement"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ImprintCosts", 0,
     "CalculationAmount"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ProductPriceCountryBased",
     "BENELUX", "MinimumOrderQuantity"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ProductPriceCountryBased",
     "BENELUX", "VatSettingId"),
    ("ChildProducts", 0, "ImprintPositions", 0, "ImprintOptions", 0, "ProductPriceCountryBased",
     "BENELUX", "RecommendedSellingPrice", 0, "Price"),
]  # fmt: skip
WRONG = [None, "", "12,5", "not a number", 0, -1, 1e308, True, [], [1, "x"], {}, {"a": {"b": 1}}]


@pytest.mark.parametrize("path", FIELDS, ids=lambda p: ".".join(map(str, p)))
def test_wrong_types_everywhere_parse_or_fail_naming_the_field(path):
    """Any value of any JSON type in any field, decoration included, either parses or raises
    ProductParseError naming the file (never another exception: a family never crashes the
    step)."""
    for value in WRONG:
        doc = family("A23-100", [child("A23-100-1")])
        doc["ChildProducts"][0]["ImprintPositions"] = [position("front", [option("A23-PAD")], "a")]
        _set(doc, path, value)
        try:
            _parse(doc)
        except ProductParseError as exc:
            assert exc.source == "A23/A23-100.json" and exc.reason, (path, value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "invalid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "invalid UTF-8"),
        (b"\xef\xbb\xbf{}", "invalid JSON"),
        (b"null", "expected an object"),
        (b'"A23-100"', "expected an object"),
        (b"{" * 100_000, "invalid JSON"),
    ],
    ids=["html", "png", "bom", "null", "string", "deep-nesting"],
)
def test_files_that_are_not_product_json_fail_naming_the_file(data, reason):
    """An HTML error page, an image, a BOM, a JSON scalar, absurd nesting: a parse error."""
    with pytest.raises(ProductParseError, match=reason) as err:
        parse_product(data, "A23/A23-100.json", expected_sku="A23-100")
    assert err.value.source == "A23/A23-100.json"
