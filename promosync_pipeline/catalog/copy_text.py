"""Price rows as PostgreSQL COPY text: a family's ``price_tiers`` and ``imprint_prices`` rows.

Nine catalog rows in ten are prices. They are formatted once, where the file is parsed (a
worker process), staged as text and handed to COPY as they are: a supplier's hundreds of
thousands of price rows never become Python objects in the syncing process, where decoding them
and formatting them again for COPY made the catalog write a third slower. SQLite, and the
change feed for the families that changed, read them back into rows (:meth:`PriceBlock.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
NULL = "\\N"
BOOLEANS = {True: "t", False: "f", None: NULL}


class TierRow(NamedTuple):
    """A ``price_tiers`` row."""

    variant_sku: str
    region: str
    kind: str
    min_quantity: int
    price: Decimal | None
    currency: str | None
    on_request: bool
    product_sku: str


class ImprintPriceRow(NamedTuple):
    """An ``imprint_prices`` row: a per-piece tier of a print option (``charge_id`` None) or a
    tier of one of its charges."""

    owner_id: int
    """The charge's id for a charge's tier, else the option's."""
    region: str
    kind: str
    min_quantity: int
    option_id: int
    charge_id: int | None
    price: Decimal | None
    currency: str | None
    on_request: bool
    product_sku: str


def unescape(field: str) -> str | None:
    """A COPY text field back to its string (None for ``\\N``)."""
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    chars = iter(field)
    for char in chars:
        out.append(_UNESCAPES[next(chars)] if char == "\\" else char)
    return "".join(out)


class CopyTexts(dict[str | None, str]):
    """Strings as COPY text fields, each escaped at its first lookup (a family repeats its SKUs
    and regions)."""

    def __missing__(self, value: str | None) -> str:
        text = NULL if value is None else value.translate(_ESCAPES)
        self[value] = text
        return text


def _text(text: str | None) -> str | None:
    return text


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _bool(text: str | None) -> bool | None:
    return None if text is None else text == "t"


@dataclass(frozen=True, slots=True)
class PriceBlock:
    """Rows of one price table as COPY text, a line per row, UTF-8, in the table's column order
    (the row type's fields)."""

    text: bytes
    count: int
    ROW: ClassVar[Any]
    _READ: ClassVar[tuple[Callable[[str | None], Any], ...]]

    def rows(self) -> list[Any]:
        """The rows, typed as the row type has them."""
        read, make = self._READ, self.ROW._make
        out = []
        for line in self.text.decode().split("\n")[:-1]:  # not splitlines: \x1c is data
            fields = line.split("\t")
            # most fields hold no backslash: no NULL (\N), nothing escaped
            values = [
                f(v) if "\\" not in v else None if v == NULL else f(unescape(v))
                for f, v in zip(read, fields, strict=True)
            ]
            out.append(make(values))
        return out


class TierBlock(PriceBlock):
    """A family's ``price_tiers`` rows."""

    ROW = TierRow
    _READ = (_text, _text, _text, _int, _decimal, _text, _bool, _text)

    @classmethod
    def of(cls, rows: Sequence[TierRow]) -> TierBlock:
        escaped = CopyTexts()
        lines = [
            f"{escaped[v]}\t{escaped[r]}\t{escaped[k]}\t{NULL if q is None else q}\t"
            f"{NULL if p is None else p!s}\t{escaped[c]}\t{BOOLEANS[o]}\t{escaped[s]}\n"
            for v, r, k, q, p, c, o, s in rows
        ]
        return cls("".join(lines).encode(), len(lines))

    def rows(self) -> list[TierRow]:
        return super().rows()


class ImprintPriceBlock(PriceBlock):
    """A family's ``imprint_prices`` rows."""

    ROW = ImprintPriceRow
    _READ = (_int, _text, _text, _int, _int, _int, _decimal, _text, _bool, _text)

    @classmethod
    def of(cls, rows: Sequence[ImprintPriceRow]) -> ImprintPriceBlock:
        escaped = CopyTexts()
        lines = [
            f"{w}\t{escaped[r]}\t{escaped[k]}\t{NULL if q is None else q}\t{o}\t"
            f"{NULL if c is None else c}\t{NULL if p is None else p!s}\t{escaped[u]}\t"
            f"{BOOLEANS[n]}\t{escaped[s]}\n"
            for w, r, k, q, o, c, p, u, n, s in rows
        ]
        return cls("".join(lines).encode(), len(lines))

    def rows(self) -> list[ImprintPriceRow]:
        return super().rows()
