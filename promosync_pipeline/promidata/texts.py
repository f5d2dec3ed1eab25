"""Per-language blocks (``ProductDetails``, ``ImprintTexts`` …) and the images they list."""

from __future__ import annotations

from typing import Any

from promosync_pipeline.promidata.models import ImageRef, ImageRole, JsonObject, LocalText
from promosync_pipeline.promidata.reader import Field, Reader
from promosync_pipeline.promidata.residue import placed, pruned, rest

Languages = dict[str, tuple[str, dict[str, Any]]]
"""Language code (lower case, stripped) -> (the key as the file spells it, its block)."""

_IMAGE_KEYS = frozenset(("Url", "FileName", "Description"))
_NAMED_KEYS = frozenset(("Name", "Description"))
_NAMED_KEYS_AND_IMAGES = frozenset(("Name", "Description", "Images"))


def _language_order(item: tuple[Any, Any]) -> tuple[str, str]:
    return str(item[0]).strip().lower(), str(item[0])


def languages(reader: Reader, value: Any, field: Field) -> Languages:
    """The per-language blocks of ``value``, keyed by language code, in code order.

    The order of the file's keys carries no meaning, so nothing derived from these blocks may
    depend on it: the first image URL seen, the first language with a size and the family's
    ``languages`` all follow code order (of two keys that differ only in case or spaces, the
    last in that order wins; the other is kept whole by :func:`language_rest`).
    """
    if value is None:
        return {}
    blocks = value if type(value) is dict else reader.obj(value, field)
    out: Languages = {}
    for key, block in sorted(blocks.items(), key=_language_order):
        if block is None:
            continue
        if type(block) is not dict:
            block = reader.obj(block, (field, key))
        out[str(key).strip().lower()] = (key, block)
    return out


def language_rest(
    value: dict[str, Any], langs: Languages, rests: dict[str, JsonObject]
) -> JsonObject | None:
    """What is left of a per-language object: ``rests`` (by the file's key) of the blocks that
    were read, and every block that was not (a key repeated in another case), whole."""
    if len(langs) < len(value):
        read = {key for key, _ in langs.values()}
        for key, block in value.items():
            if key not in read:
                kept = pruned(block)
                if kept is not None:
                    rests[key] = kept
    return rests or None


class ImageSet:
    """Distinct image URLs in first-seen order, each with the first file name given for it."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names: dict[str, str | None] = {}

    def refs(self, role: ImageRole) -> list[ImageRef]:
        return [ImageRef(url, role, i, name) for i, (url, name) in enumerate(self.names.items())]

    def take(self, reader: Reader, image: Any, field: Field) -> JsonObject | None:
        """Adds ``image``'s URL; returns what no :class:`ImageRef` holds of it (a description,
        a file name other than the one kept for its URL, unknown keys), None when nothing."""
        if type(image) is not dict:
            image = reader.obj(image, field)
        url = image.get("Url")
        url = url.strip() or None if type(url) is str else reader.text(url, (field, "Url"))
        raw_name = image.get("FileName")
        if type(raw_name) is str:
            name = raw_name.strip() or None
        else:
            name = reader.text(raw_name, (field, "FileName"))
        kept = None
        if url:
            kept = self.names.setdefault(url, name)
        description = image.get("Description")
        if description is not None and type(description) is str and not description.strip():
            description = None
        other_name = name is not None and name != kept
        if not other_name and description is None and image.keys() <= _IMAGE_KEYS:
            return None
        left = rest(image, _IMAGE_KEYS)
        if other_name:
            left["FileName"] = raw_name
        description = pruned(description)
        if description is not None:
            left["Description"] = description
        return left or None

    def take_all(self, reader: Reader, items: Any, field: Field) -> list[Any] | None:
        """:meth:`take` for each image of the array ``items``; what is left of the array."""
        if items is None:
            return None
        if type(items) is not list:
            items = reader.array(items, field)
        left: list[Any] | None = None
        for i, image in enumerate(items):
            leftover = self.take(reader, image, (field, i))
            if leftover is not None or left is not None:
                left = placed(left, i, leftover)
        return left


def named_texts(
    reader: Reader, value: Any, field: Field, images: ImageSet | None = None
) -> tuple[LocalText, LocalText, JsonObject | None]:
    """``Name`` and ``Description`` per language of ``ImprintTexts``, ``Texts`` or
    ``ImprintLocationTexts`` (whose ``Images`` go to ``images``), and what is left."""
    langs = languages(reader, value, field)
    names: LocalText = {}
    descriptions: LocalText = {}
    rests: dict[str, JsonObject] = {}
    taken = _NAMED_KEYS if images is None else _NAMED_KEYS_AND_IMAGES
    for code, (key, block) in langs.items():
        name = block.get("Name")
        name = name.strip() if type(name) is str else reader.text(name, ((field, key), "Name"))
        if name:
            names[code] = name
        text = block.get("Description")
        if type(text) is str:
            text = text.strip()
        else:
            text = reader.text(text, ((field, key), "Description"))
        if text:
            descriptions[code] = text
        left = None
        if images is not None:
            left = images.take_all(reader, block.get("Images"), ((field, key), "Images"))
        if left is None and block.keys() <= taken:
            continue
        block_rest = rest(block, taken)
        if left is not None:
            block_rest["Images"] = left
        if block_rest:
            rests[key] = block_rest
    if not langs:
        return names, descriptions, None if value is None else pruned(value)
    return names, descriptions, language_rest(value, langs, rests)
