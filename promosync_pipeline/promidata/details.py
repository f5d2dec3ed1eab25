"""``ProductDetails``: the per-language texts, images and configuration of parent and child."""

from __future__ import annotations

from typing import Any, NamedTuple

from promosync_pipeline.promidata.facts import same_text
from promosync_pipeline.promidata.models import ImageRef, JsonObject, LocalText
from promosync_pipeline.promidata.reader import Field, Reader, text_at
from promosync_pipeline.promidata.residue import pruned, rest
from promosync_pipeline.promidata.texts import ImageSet, Languages, language_rest, languages

DETAILS_KEY = "ProductDetails"
TEXT_KEYS = ("Name", "Description", "ShortDescription")
_IMAGE_KEYS = ("Image", "MediaGalleryImages")
_WEB_SHOP = "WebShopInformation"
_PARENT_TAKEN = frozenset((*TEXT_KEYS, *_IMAGE_KEYS, _WEB_SHOP))
_CHILD_TAKEN = _PARENT_TAKEN | {"IsActive"}
_MATERIAL_VALUE = frozenset(("InformationValue",))
_MATERIAL = frozenset(("Material",))


class ParentDetails(NamedTuple):
    langs: Languages
    texts: dict[str, LocalText]
    """``Name``, ``Description``, ``ShortDescription`` and ``Material`` per language."""
    images: tuple[ImageRef, ...]
    rests: dict[str, JsonObject]
    """What is left of each language's block (by the file's key), images aside."""
    image_rests: dict[str, JsonObject]
    """What is left of each language's images once they are taken."""


class ChildDetails(NamedTuple):
    color_label: LocalText
    size: str | None
    images: tuple[ImageRef, ...]
    is_active: bool
    langs: Languages
    image_rests: dict[str, JsonObject]


def _images(
    reader: Reader, block: dict[str, Any], field: Field, main: ImageSet, gallery: ImageSet
) -> JsonObject:
    """Takes the block's main and gallery images; returns what is left of them."""
    left: JsonObject = {}
    image = block.get("Image")
    if image is not None:
        image_left = main.take(reader, image, (field, "Image"))
        if image_left is not None:
            left["Image"] = image_left
    items = block.get("MediaGalleryImages")
    if items is not None:
        items_left = gallery.take_all(reader, items, (field, "MediaGalleryImages"))
        if items_left is not None:
            left["MediaGalleryImages"] = items_left
    return left


def _material(reader: Reader, block: dict[str, Any], field: Field) -> str | None:
    info = block.get(_WEB_SHOP)
    if info is None:
        return None
    info = reader.obj(info, (field, _WEB_SHOP))
    material = info.get("Material")
    if material is None:
        return None
    material = reader.obj(material, ((field, _WEB_SHOP), "Material"))
    return text_at(reader, material, "InformationValue", ((field, _WEB_SHOP), "Material"))


def _web_shop_rest(info: Any, material: str | None) -> Any:
    """What is left of ``WebShopInformation`` when ``material`` is the material stored for its
    language: everything but a ``Material.InformationValue`` that reads as it."""
    if type(info) is not dict:
        return pruned(info)
    facts = info.get("Material")
    if type(facts) is not dict:
        return pruned(info)
    value = facts.get("InformationValue")
    if value is not None and not same_text(value, material):
        return pruned(info)
    left = rest(info, _MATERIAL)
    material_left = rest(facts, _MATERIAL_VALUE)
    if material_left:
        left["Material"] = material_left
    return left or None


def _flag(value: Any) -> bool:
    """A flag the reader has accepted, as it read it."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def read_parent_details(reader: Reader, value: Any) -> ParentDetails:
    langs = languages(reader, value, DETAILS_KEY)
    main, gallery = ImageSet(), ImageSet()
    texts: dict[str, LocalText] = {"Name": {}, "Description": {}, "ShortDescription": {}}
    texts["Material"] = {}
    rests: dict[str, JsonObject] = {}
    image_rests: dict[str, JsonObject] = {}
    for code, (key, block) in langs.items():
        field = (DETAILS_KEY, key)
        for name in TEXT_KEYS:
            text = text_at(reader, block, name, field)
            if text:
                texts[name][code] = text
        material = _material(reader, block, field)
        if material:
            texts["Material"][code] = material
        image_rests[key] = _images(reader, block, field, main, gallery)
        left = rest(block, _PARENT_TAKEN)
        if block.get(_WEB_SHOP) is not None:
            info_left = _web_shop_rest(block[_WEB_SHOP], material)
            if info_left is not None:
                left[_WEB_SHOP] = info_left
        rests[key] = left
    images = tuple(main.refs("main") + gallery.refs("gallery"))
    return ParentDetails(langs, texts, images, rests, image_rests)


def parent_details_rest(value: Any, details: ParentDetails, images_taken: bool) -> Any:
    """What is left of the parent's ``ProductDetails``; its images whole unless a variant took
    them."""
    if not details.langs:
        return pruned(value)
    rests: dict[str, JsonObject] = {}
    for key, block in details.langs.values():
        left = details.rests[key]
        if images_taken:
            left.update(details.image_rests[key])
        else:
            for name in _IMAGE_KEYS:
                image = pruned(block.get(name))
                if image is not None:
                    left[name] = image
        if left:
            rests[key] = left
    return language_rest(value, details.langs, rests)


def _configuration(
    reader: Reader, block: dict[str, Any], field: Field, code: str, found: dict[str, LocalText]
) -> None:
    """Adds the block's ``Color`` and ``Size`` configuration values to ``found`` (first one per
    language)."""
    items = block.get("ConfigurationFields")
    if items is None:
        return
    field = (field, "ConfigurationFields")
    if type(items) is not list:
        items = reader.array(items, field)
    for i, item in enumerate(items):
        if type(item) is not dict:
            item = reader.obj(item, (field, i))
        name = text_at(reader, item, "ConfigurationName", (field, i))
        if not name:
            continue
        values = found.get(name.lower())
        if values is None:
            continue
        value = text_at(reader, item, "ConfigurationValue", (field, i))
        if value and code not in values:
            values[code] = value


def read_child_details(reader: Reader, value: Any, field: Field) -> ChildDetails:
    langs = languages(reader, value, field)
    main, gallery = ImageSet(), ImageSet()
    found: dict[str, LocalText] = {"color": {}, "size": {}}
    image_rests: dict[str, JsonObject] = {}
    actives: list[bool] = []
    for code, (key, block) in langs.items():
        where = (field, key)
        image_rests[key] = _images(reader, block, where, main, gallery)
        _configuration(reader, block, where, code, found)
        flag = block.get("IsActive")
        if type(flag) is not bool:
            flag = reader.flag(flag, (where, "IsActive"), True)
        actives.append(flag)
    return ChildDetails(
        color_label=found["color"],
        size=next(iter(found["size"].values()), None),
        images=tuple(main.refs("main") + gallery.refs("gallery")),
        is_active=any(actives) if actives else True,
        langs=langs,
        image_rests=image_rests,
    )


def child_details_rest(value: Any, details: ChildDetails, family: dict[str, LocalText]) -> Any:
    """What is left of a child's ``ProductDetails``: texts other than the family's, an
    ``IsActive`` other than the variant's, images no :class:`ImageRef` holds, the rest."""
    if not details.langs:
        return pruned(value)
    rests: dict[str, JsonObject] = {}
    for code, (key, block) in details.langs.items():
        left = rest(block, _CHILD_TAKEN)
        for name in TEXT_KEYS:
            text = block.get(name)
            if text is not None and not same_text(text, family[name].get(code)):
                text = pruned(text)
                if text is not None:
                    left[name] = text
        flag = block.get("IsActive")
        if flag is not None and _flag(flag) != details.is_active:
            left["IsActive"] = flag
        info = block.get(_WEB_SHOP)
        if info is not None:
            info_left = _web_shop_rest(info, family["Material"].get(code))
            if info_left is not None:
                left[_WEB_SHOP] = info_left
        left.update(details.image_rests[key])
        if left:
            rests[key] = left
    return language_rest(value, details.langs, rests)
