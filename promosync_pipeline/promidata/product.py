"""One product JSON file -> one :class:`Family`.

The reader is strict about structure and lenient about representation: a number sent as a
string (``"12,5"``) is read as a number, ``null`` is an absent value, but an object where text
is expected, a missing parent ``Sku`` or an empty ``ChildProducts`` is a
:class:`ProductParseError` that names the file and the JSON path of the value.

Nothing of the file is lost: every value that no typed field holds is kept, as the file gives
it, in the ``attributes`` of the nearest family, variant, print position, option or charge
(see :mod:`promosync_pipeline.promidata.residue`).
"""

from __future__ import annotations

from typing import Any

from promosync_pipeline.promidata.details import DETAILS_KEY, parent_details_rest
from promosync_pipeline.promidata.errors import ProductParseError
from promosync_pipeline.promidata.facts import FACTS_KEY, family_facts_rest, same_text
from promosync_pipeline.promidata.models import Family, JsonObject
from promosync_pipeline.promidata.reader import Reader, load, text_at, type_name
from promosync_pipeline.promidata.residue import pruned, rest
from promosync_pipeline.promidata.variants import (
    POSITIONS_KEY,
    PRICES_KEY,
    Parent,
    read_variants,
)

__all__ = ["ProductParseError", "parse_product"]

_ROOT_TYPED = frozenset(
    ("Sku", "SupplierSku", "Ean", "ANumber", "ChildProducts", DETAILS_KEY, FACTS_KEY, PRICES_KEY,
     POSITIONS_KEY)
)  # fmt: skip


def parse_product(
    data: bytes | str,
    source: str,
    *,
    expected_sku: str | None = None,
    supplier_code: str | None = None,
) -> Family:
    """Parse one product file.

    ``source`` names the file in errors. ``expected_sku`` is the family SKU the index URL names;
    a parent ``Sku`` that disagrees with it is an error. ``supplier_code`` (from the index) wins
    over ``ANumber``.
    """
    reader = Reader(source)
    root = load(data, source)
    if not isinstance(root, dict):
        raise reader.fail("(root)", f"expected an object, got {type_name(root)}")
    sku = reader.required_text(root.get("Sku"), "Sku")
    if expected_sku is not None and sku.casefold() != expected_sku.casefold():
        raise reader.fail(
            "Sku", f"parent Sku {sku!r} disagrees with the file name's {expected_sku!r}"
        )
    children = reader.array(root.get("ChildProducts"), "ChildProducts")
    if not children:
        raise reader.fail("ChildProducts", "no variants")
    code = supplier_code or reader.text(root.get("ANumber"), "ANumber") or sku.split("-", 1)[0]
    parent = Parent(reader, root, code)
    variants = read_variants(reader, parent, children)
    category_path = parent.family_facts["Category"]
    category_code = category_path.strip("/").rsplit("/", 1)[-1] if category_path else None
    texts = parent.details.texts
    return Family(
        sku=sku,
        supplier_code=code,
        supplier_sku=text_at(reader, root, "SupplierSku", ""),
        ean=text_at(reader, root, "Ean", ""),
        brand=parent.family_facts["Brand"],
        category_code=category_code or None,
        category_path=category_path,
        name=texts["Name"],
        description=texts["Description"],
        short_description=texts["ShortDescription"],
        material=texts["Material"],
        variants=variants,
        languages=tuple(parent.details.langs),
        attributes=_family_rest(reader, root, parent),
    )


def _family_rest(reader: Reader, root: dict[str, Any], parent: Parent) -> JsonObject:
    """Every value outside ``ChildProducts`` that neither the family nor, by inheritance, a
    variant holds."""
    left = rest(root, _ROOT_TYPED)
    number = root.get("ANumber")
    if number is not None and not same_text(number, parent.code):
        number = pruned(number)
        if number is not None:
            left["ANumber"] = number
    parts = {
        DETAILS_KEY: parent_details_rest(
            root.get(DETAILS_KEY), parent.details, parent.images_taken
        ),
        FACTS_KEY: family_facts_rest(reader, parent.facts, parent.taken_facts),
        PRICES_KEY: parent.prices.rest if parent.prices_taken else pruned(root.get(PRICES_KEY)),
        POSITIONS_KEY: None if parent.positions_taken else pruned(root.get(POSITIONS_KEY)),
    }
    for key, part in parts.items():
        if part:
            left[key] = part
    return left
