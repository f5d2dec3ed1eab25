"""Pure reading of the Promidata feed: index, categories, product files, content hashes.

Nothing in this package does I/O or imports Dagster; a test keeps it that way.
"""

from promosync_pipeline.promidata.categories import parse_categories
from promosync_pipeline.promidata.errors import ProductParseError
from promosync_pipeline.promidata.hashing import content_hash
from promosync_pipeline.promidata.index import parse_index
from promosync_pipeline.promidata.models import (
    Category,
    Family,
    ImageRef,
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    IndexEntry,
    IndexProblem,
    IndexReport,
    JsonObject,
    OrderTerms,
    PriceTier,
    Variant,
)
from promosync_pipeline.promidata.product import parse_product

__all__ = [
    "Category",
    "Family",
    "ImageRef",
    "ImprintCharge",
    "ImprintOption",
    "ImprintPosition",
    "IndexEntry",
    "IndexProblem",
    "IndexReport",
    "JsonObject",
    "OrderTerms",
    "PriceTier",
    "ProductParseError",
    "Variant",
    "content_hash",
    "parse_categories",
    "parse_index",
    "parse_product",
]
