"""A stable fingerprint of what promosync stores of a family."""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

import orjson

from promosync_pipeline.promidata.models import Family

PARSER_VERSION = "2"
"""Bump when the parsed model changes meaning, so that every family is rewritten once (the
parse and catalog assets carry it as their code version)."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot hash a {type(value).__name__}")


def content_hash(family: Family) -> str:
    """SHA-256 of the parsed family in a canonical form.

    Independent of the file's key order and whitespace and of every field the parser ignores.
    Variants are ordered by SKU (their order in the file carries no meaning); images keep their
    order (positions are stored); ``1.50`` and ``1.5`` hash alike.
    """
    canonical = dataclasses.replace(
        family, variants=tuple(sorted(family.variants, key=lambda v: v.sku))
    )
    payload = orjson.dumps(
        [PARSER_VERSION, canonical], default=_default, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(payload).hexdigest()
