"""A stable fingerprint of what promosync stores of a family."""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

import orjson

from promosync_pipeline.promidata.models import Family, ImprintOption, ImprintPosition, Variant

PARSER_VERSION = "3"
"""Bump when the parsed model changes meaning, so that every family is rewritten once (the
parse and catalog assets carry it as their code version)."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot hash a {type(value).__name__}")


def _digest(value: Any) -> str:
    payload = orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


_OPTION_DIGESTS: dict[int, tuple[ImprintOption, str]] = {}
"""Digest of each option hashed so far, by identity (the entry holds the option, so that its
id stays its own): the parser shares an option among the families that repeat it."""
_OPTION_DIGESTS_LIMIT = 1024


def _option_digest(option: ImprintOption) -> str:
    known = _OPTION_DIGESTS.get(id(option))
    if known is not None and known[0] is option:
        return known[1]
    digest = _digest(option)
    if len(_OPTION_DIGESTS) >= _OPTION_DIGESTS_LIMIT:
        _OPTION_DIGESTS.clear()
    _OPTION_DIGESTS[id(option)] = (option, digest)
    return digest


class _Digests:
    """Digests of print positions and option lists, each computed once per distinct object:
    the variants of a family usually share them (the parser reads a repeated option list
    once), and they are most of a family's content."""

    def __init__(self) -> None:
        self._seen: dict[int, str] = {}

    def options(self, options: tuple[ImprintOption, ...]) -> str:
        digest = self._seen.get(id(options))
        if digest is None:
            digest = self._seen[id(options)] = _digest([_option_digest(o) for o in options])
        return digest

    def position(self, position: ImprintPosition) -> str:
        digest = self._seen.get(id(position))
        if digest is None:
            canonical = dataclasses.replace(position, options=self.options(position.options))  # type: ignore[arg-type]
            digest = self._seen[id(position)] = _digest(canonical)
        return digest

    def variant(self, variant: Variant) -> Variant:
        if not variant.positions:
            return variant
        positions = tuple(self.position(p) for p in variant.positions)
        return dataclasses.replace(variant, positions=positions)  # type: ignore[arg-type]


def content_hash(family: Family) -> str:
    """SHA-256 of the parsed family in a canonical form: every field of the family, its
    variants, their print positions, options, charges and attributes.

    Independent of the file's key order and whitespace. Variants are ordered by SKU (their
    order in the file carries no meaning); images, positions, options and charges keep their
    order; ``1.50`` and ``1.5`` hash alike. A print position, an option list and an option
    enter as the digest of their own canonical form, so that one shared by several variants
    (or, for an option, by several families) is serialised once.
    """
    digests = _Digests()
    variants = tuple(digests.variant(v) for v in sorted(family.variants, key=lambda v: v.sku))
    return _digest([PARSER_VERSION, dataclasses.replace(family, variants=variants)])
