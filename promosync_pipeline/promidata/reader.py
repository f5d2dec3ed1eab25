"""Typed access to the raw JSON of a product file; every failure names the file and the path.

A field's path is spelled only when something is wrong: callers pass it as a chain of
``(parent, key)`` tuples (``(("ChildProducts", 0), "Sku")``), which costs a tuple, and the
usual types are read inline before the reader is asked at all.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

import orjson

from promosync_pipeline.promidata.errors import ProductParseError

Field: TypeAlias = "str | tuple[Field, str | int]"
"""A JSON path: a spelled path, or ``(parent, key)`` with an object key or an array index."""


def spell(field: Field) -> str:
    """``(("ChildProducts", 0), "Sku")`` -> ``ChildProducts[0].Sku``."""
    parts: list[str] = []
    while isinstance(field, tuple):
        field, key = field
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    path = field + "".join(reversed(parts))
    return path[1:] if not field and path.startswith(".") else path


def type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


class Reader:
    """Reads values of unusual types (the usual ones are read inline by the callers)."""

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: Field, reason: str) -> ProductParseError:
        return ProductParseError(self.source, reason, spell(field))

    def obj(self, value: Any, field: Field) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(field, f"expected an object, got {type_name(value)}")
        return value

    def array(self, value: Any, field: Field) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"expected an array, got {type_name(value)}")
        return value

    def text(self, value: Any, field: Field) -> str | None:
        """A string, stripped; numbers become their decimal text (EANs, SKUs); '' is None."""
        if type(value) is str:
            return value.strip() or None
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        raise self.fail(field, f"expected text, got {type_name(value)}")

    def required_text(self, value: Any, field: Field) -> str:
        text = self.text(value, field)
        if text is None:
            raise self.fail(field, "missing" if value is None else "empty")
        return text

    def decimal(self, value: Any, field: Field) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.fail(field, "expected a number, got boolean")
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                number = Decimal(value.strip().replace(",", "."))
            except InvalidOperation:
                raise self.fail(field, f"expected a number, got {value[:40]!r}") from None
            if number.is_finite():
                return number
            raise self.fail(field, f"expected a finite number, got {value[:40]!r}")
        raise self.fail(field, f"expected a number, got {type_name(value)}")

    def number(self, value: Any, field: Field) -> float | None:
        if type(value) is float:
            return value
        number = self.decimal(value, field)
        return None if number is None else float(number)

    def quantity(self, value: Any, field: Field) -> int:
        number = self.decimal(value, field)
        if number is None:
            raise self.fail(field, "missing")
        if number != number.to_integral_value() or number < 0:
            raise self.fail(field, f"expected a whole non-negative quantity, got {value!r}")
        return int(number)

    def count(self, value: Any, field: Field) -> int | None:
        """A whole non-negative number, or None when absent."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.quantity(value, field)

    def flag(self, value: Any, field: Field, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
            return value.strip().lower() in ("true", "1")
        raise self.fail(field, f"expected true or false, got {value!r:.40}")


def text_at(reader: Reader, obj: dict[str, Any], key: str, field: Field) -> str | None:
    """Text of ``obj[key]``, ``obj`` being at ``field``."""
    value = obj.get(key)
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    return reader.text(value, (field, key))


def number_at(reader: Reader, obj: dict[str, Any], key: str, field: Field) -> float | None:
    value = obj.get(key)
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)  # type: ignore[arg-type]
    if value is None:
        return None
    return reader.number(value, (field, key))


def size_at(reader: Reader, obj: dict[str, Any], key: str, field: Field) -> float | None:
    """A measure where 0 means unknown: None when absent or 0."""
    return number_at(reader, obj, key, field) or None


def decimal_at(reader: Reader, obj: dict[str, Any], key: str, field: Field) -> Decimal | None:
    value = obj.get(key)
    kind = type(value)
    if kind is int:
        return Decimal(value)  # type: ignore[arg-type]
    if kind is float:
        return Decimal(repr(value))
    if value is None:
        return None
    return reader.decimal(value, (field, key))


def load(data: bytes | str, source: str) -> Any:
    if not data or (isinstance(data, bytes) and not data.strip()):
        raise ProductParseError(source, "empty file")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if isinstance(data, bytes):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise ProductParseError(
                    source, f"invalid UTF-8 at byte {bad.start}: {bad.reason}"
                ) from None
        raise ProductParseError(source, f"invalid JSON: {exc}") from None
