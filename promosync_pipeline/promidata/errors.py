"""The one error type of the pure parsing layer."""

from __future__ import annotations


class ProductParseError(ValueError):
    """A product file that cannot be read as a family.

    ``source`` names the file (its URL or ``<code>/<code>-<sku>.json``), ``field`` the JSON path
    of the offending value (``ChildProducts[2].Sku``) when there is one, ``reason`` what is wrong.
    """

    def __init__(self, source: str, reason: str, field: str | None = None) -> None:
        self.source = source
        self.reason = reason
        self.field = field
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {reason}")
