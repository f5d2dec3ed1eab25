"""Every scalar value of a JSON document, and of whatever was made of it: to check that nothing
the feed gives is lost on its way (to the parsed records, to the catalog's rows).

A scalar of the document counts as kept when one of its readings is among the readings of the
values kept: a string as its text without surrounding blanks (and, when it reads as a number,
decimal comma allowed, as that number); a number as its value (``1``, ``1.0`` and ``"1,0"``
alike) and as its text (an EAN sent as a number is stored as text); a boolean as itself.
Blank strings and nulls carry nothing and are not counted.

    lost(document, parse_product(data, "f.json")) == {}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

UNKNOWN_ZERO = {
    "DimensionsWidth", "DimensionsHeight", "DimensionsDepth", "DimensionsDiameter",
    "OuterCartonLengthCM", "OuterCartonWidthCM", "OuterCartonHeightCM",
    "OuterCartonWeightNetKG", "OuterCartonWeightGrossKG", "OuterCartonQuantityPerCarton",
}  # fmt: skip
"""Fields whose 0 the format defines as unknown (read as none)."""

CURRENCY_SPELLINGS = {"EURO": "EUR", "€": "EUR"}
"""The ``Valuta`` spellings the parser reads as a currency code."""

Scalar = str | int | float | bool | Decimal
Reading = tuple[str, Any]
"""``("text", "Tote")``, ``("number", Decimal("12.5"))`` or ``("flag", True)``."""


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def readings(value: Scalar) -> frozenset[Reading]:
    """The forms in which ``value`` may be kept."""
    if isinstance(value, bool):
        return frozenset({("flag", value)})
    if isinstance(value, str):
        text = value.strip()
        number = _number(text)
        found = {("text", text)} | ({("number", number)} if number is not None else set())
        if text in CURRENCY_SPELLINGS:  # a currency is kept read, or as the file spells it
            found.add(("text", CURRENCY_SPELLINGS[text]))
        return frozenset(found)
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        return frozenset({("text", repr(value))})
    whole = number == number.to_integral_value()
    text = str(int(number)) if whole else str(number)
    return frozenset({("number", number), ("text", text)})


def _walk_json(value: Any, path: str) -> Iterator[tuple[str, Scalar]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_json(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_json(item, f"{path}[{i}]")
    elif value is not None and not (isinstance(value, str) and not value.strip()):
        yield path, value


def scalars_of_json(document: Any) -> dict[str, Scalar]:
    """JSON path -> value of every scalar of ``document`` (blank strings and nulls left out)."""
    return dict(_walk_json(document, ""))


def _walk(value: Any) -> Iterator[Scalar]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _walk(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, str | int | float | Decimal):
        yield value


def scalars_of(value: Any) -> set[Reading]:
    """The readings of every scalar in ``value``: dataclasses (every field), dicts (their
    values), lists, tuples and sets, at any depth."""
    out: set[Reading] = set()
    for scalar in _walk(value):
        out |= readings(scalar)
    return out


def lost(document: Any, value: Any) -> dict[str, Scalar]:
    """The scalars of ``document`` that ``value`` keeps in no form, by JSON path."""
    kept = scalars_of(value)
    return {
        path: scalar
        for path, scalar in scalars_of_json(document).items()
        if not readings(scalar) & kept
    }


def as_read(value: Any, key: str = "") -> Any:
    """``value`` without the values the format defines as none."""
    if isinstance(value, dict):
        return {k: as_read(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [as_read(v, key) for v in value]
    if key == "SearchColor" and isinstance(value, str) and value.strip().lower() == "undefined":
        return None
    if key in UNKNOWN_ZERO and value in (0, "0"):
        return None
    return value
