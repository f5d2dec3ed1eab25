"""What is left of a JSON value once the typed fields have taken theirs: the ``attributes``.

``null``, ``{}`` and ``[]`` carry no value and are left out, and so is an object that nothing is
left in. An array keeps its length as soon as one of its elements keeps something: an element
with nothing left stays as ``{}`` (``[]``, ``null``), so that each kept value stays at its
index. A value with nothing to leave out is returned as it is, not copied.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from promosync_pipeline.promidata.models import JsonObject


def pruned(value: Any) -> Any:
    """``value`` without empty parts; None when nothing is left of it."""
    kind = type(value)
    if kind is dict:
        return _pruned_object(value)
    if kind is list:
        return _pruned_array(value)
    return value


def _pruned_object(obj: dict[str, Any]) -> dict[str, Any] | None:
    kept: dict[str, Any] = {}
    changed = False
    for key, value in obj.items():
        if value is None:
            changed = True
            continue
        kind = type(value)
        if kind is dict or kind is list:
            inner = _pruned_object(value) if kind is dict else _pruned_array(value)
            if inner is None:
                changed = True
                continue
            if inner is not value:
                changed = True
                value = inner
        kept[key] = value
    if not kept:
        return None
    return kept if changed else obj


def _pruned_array(items: list[Any]) -> list[Any] | None:
    kept: list[Any] = []
    changed = anything = False
    for value in items:
        kind = type(value)
        if kind is dict or kind is list:
            inner = _pruned_object(value) if kind is dict else _pruned_array(value)
            if inner is None:
                inner = value if not value else kind()
            else:
                anything = True
            if inner is not value:
                changed = True
            value = inner
        elif value is not None:
            anything = True
        kept.append(value)
    if not anything:
        return None
    return kept if changed else items


def rest(obj: dict[str, Any], taken: Container[str]) -> JsonObject:
    """``obj`` without the keys in ``taken``, pruned (a new object, possibly empty)."""
    out: JsonObject = {}
    for key, value in obj.items():
        if value is None or key in taken:
            continue
        kind = type(value)
        if kind is dict or kind is list:
            value = _pruned_object(value) if kind is dict else _pruned_array(value)
            if value is None:
                continue
        out[key] = value
    return out


def placed(items: list[Any] | None, index: int, leftover: Any) -> list[Any] | None:
    """The residue of an array after its element ``index``: ``items`` (the residues of the
    elements before it, None while none had any) with ``leftover`` (None for nothing)
    appended."""
    if leftover is None:
        if items is not None:
            items.append({})
        return items
    if items is None:
        items = [{} for _ in range(index)]
    items.append(leftover)
    return items
