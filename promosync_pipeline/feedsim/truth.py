"""Build one family's truth (a :class:`Family`) deterministically from a seeded RNG."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from promosync_pipeline.feedsim import decoration, extras, text
from promosync_pipeline.feedsim.categories import PRODUCT_CATEGORIES
from promosync_pipeline.feedsim.extras import Extras
from promosync_pipeline.feedsim.shapes import kept_image, price_block
from promosync_pipeline.promidata import (
    Family,
    ImageRef,
    ImprintPosition,
    JsonObject,
    OrderTerms,
    PriceTier,
    Variant,
)

REGIONS = ["BENELUX", "GERMANY", "FRANCE", "AUSTRIA", "SWITZERLAND"]
QUANTITIES = [1, 50, 100, 250, 500, 1000, 1500]
VARIANT_COUNTS = [2, 2, 2, 3, 3, 4, 4, 5, 6, 8, 10, 12, 16, 24, 40]
EXTRA_LANGUAGES = ["es", "it", "da"]
FACT_KEYS = {
    "weight_g": "Weight",
    "length_mm": "DimensionsLength",
    "width_mm": "DimensionsWidth",
    "height_mm": "DimensionsHeight",
    "diameter_mm": "DimensionsDiameter",
}
SIZE_TARGETS = (24 * 1024, 242 * 1024)
"""Range of the file sizes the families aim at (real files weigh 20 to 250 KB)."""


def size_target(sku: str, variants: int) -> int:
    """The size family ``sku`` aims at. A file of one variant carries one copy of its
    positions and stays under about 70 KB; families of several variants aim higher, so that
    the feed's files weigh what real ones do on average (about 135 KB)."""
    low, high = SIZE_TARGETS
    share = random.Random(f"{sku}:size").random()
    return round(low + (high - low) * (share if variants == 1 else share**0.4))


SIZE_FAMILY, SIZE_FAMILY_LANGUAGE = 1800, 800
SIZE_CHILD, SIZE_CHILD_LANGUAGE, SIZE_CHILD_LEAN_LANGUAGE = 1000, 620, 270
SIZE_IMAGE, SIZE_TIER = 180, 58
"""Bytes of the parts of a file, measured on generated files (to size the decoration)."""


@dataclass(frozen=True)
class FamilyDraft:
    """The truth plus what the serializer needs that the parser does not keep."""

    family: Family
    parent_tiers: tuple[PriceTier, ...]
    parent_terms: tuple[OrderTerms, ...]
    parent_images: tuple[ImageRef, ...]
    parent_positions: tuple[ImprintPosition, ...]
    """Written on the parent when the variants inherit them (families with many variants)."""
    inherits_tiers: frozenset[str]
    """Variant SKUs whose own price block is empty (they inherit the parent's)."""
    inherits_images: frozenset[str]
    parent_facts: dict[str, float]
    own_facts: dict[str, dict[str, float | None]]
    """Per variant SKU: the dimension values written on the child (None = falls back)."""
    extras: Extras
    lean: bool
    """The children leave out null keys and most free key/values (families of many variants,
    so that files keep the sizes of real ones)."""

    @property
    def inherits_positions(self) -> bool:
        """The variants' print positions are written once, on the parent."""
        return bool(self.parent_positions)


def image_url(base: str, code: str, seed: int, key: str, png: bool) -> str:
    digest = hashlib.sha256(f"{seed}:{code}:{key}".encode()).hexdigest()
    return f"{base}/{code}/{digest}.{'png' if png else 'jpg'}"


def _tiers(rng: random.Random, regions: list[str]) -> tuple[PriceTier, ...]:
    tiers = []
    for region in regions:
        base = rng.uniform(0.5, 60.0)
        quantities = sorted([*rng.sample(QUANTITIES[1:], rng.randint(1, 5)), 1])
        on_request_last = rng.random() < 0.05
        for kind, factor in (("selling", 1.0), ("buying", 0.72)):
            if kind == "buying" and rng.random() < 0.15:
                continue
            for i, qty in enumerate(quantities):
                on_request = on_request_last and i == len(quantities) - 1
                price = round(base * factor * (1 - 0.04 * i), 2)
                tiers.append(
                    PriceTier(
                        region=region,
                        kind=kind,  # type: ignore[arg-type]
                        min_quantity=qty,
                        price=None if on_request else Decimal(str(price)),
                        currency="EUR",
                        on_request=on_request,
                    )
                )
    return tuple(sorted(tiers, key=lambda t: (t.region, t.kind, t.min_quantity)))


def _file_name(url: str) -> str:
    name = url.rsplit("/", 1)[-1]
    return f"{name[:12]}{name[name.rindex('.') :]}"


def _images(rng: random.Random, urls: list[str]) -> tuple[ImageRef, ...]:
    main, *gallery = urls
    return (
        ImageRef(main, "main", 0, _file_name(main)),
        *(ImageRef(u, "gallery", i, _file_name(u)) for i, u in enumerate(gallery)),
    )


class _Base(NamedTuple):
    """A family as drawn before its logistics and decoration (the first draws, in order)."""

    family: Family
    variants: _Variants
    parent_tiers: tuple[PriceTier, ...]
    parent_images: tuple[ImageRef, ...]
    regions: list[str]
    image: Callable[..., str]
    """``image(name, rng)``: the URL of one of the family's images."""


def build_family(
    seed: int,
    code: str,
    index: int,
    revision: int,
    languages: tuple[str, ...],
    image_base: str,
    png_share: float,
) -> FamilyDraft:
    rng = random.Random(f"{seed}:{code}:{index}:{revision}")  # every draw in a fixed order

    def img(name: str, draw: random.Random = rng) -> str:
        png = draw.random() < png_share
        return image_url(image_base, code, seed, f"{index}:{revision}:{name}", png)

    base = _base(rng, f"{code}-{100000 + index}", languages, img)
    more = random.Random(f"{seed}:{code}:{index}:{revision}:more")
    return _complete(more, base, decoration.catalogue(seed, code, base.family.languages))


def _base(
    rng: random.Random,
    sku: str,
    languages: tuple[str, ...],
    img: Callable[[str], str],
) -> _Base:
    """Texts, variants, prices and images."""
    langs = list(languages) + [x for x in EXTRA_LANGUAGES if rng.random() < 0.15]
    kind = rng.randrange(len(PRODUCT_CATEGORIES))
    shape_a = rng.random() < 0.35
    count = 1 if shape_a else rng.choice(VARIANT_COUNTS)
    colors = rng.sample(text.COLORS, min(len(text.COLORS), max(1, (count + 1) // 2)))
    sizes = rng.sample(text.SIZES, rng.randint(2, 4)) if kind == 3 and not shape_a else [None]
    family_image = img("family")
    parent_images = _images(rng, [img("parent-main"), family_image])
    regions = rng.sample(REGIONS, rng.randint(1, 3))
    parent_tiers = _tiers(rng, regions)
    parent_facts = {
        "weight_g": float(rng.randint(5, 900)),
        "length_mm": float(rng.randint(10, 500)),
        "width_mm": float(rng.randint(10, 500)),
        "height_mm": float(rng.randint(0, 500)),
        "diameter_mm": 0.0,
    }
    color_images = {
        c[0]: [
            img(f"{c[0]}-main"),
            *(img(f"{c[0]}-g{g}") for g in range(rng.randint(0, 4 if count <= 12 else 1))),
        ]
        for c in colors
    }
    draft = _Variants(rng, parent_tiers, parent_images, parent_facts, regions, langs)
    for i in range(count):
        search, hex_color, labels = colors[i % len(colors)]
        size = sizes[i % len(sizes)]
        vsku = sku if shape_a else f"{sku}-{100 + i * 7}" + (f"-{size}" if size else "")
        draft.add(
            vsku, i, count, shape_a, (search, hex_color, labels), size,
            [*color_images[search], family_image],
        )  # fmt: skip
    family = _family(rng, sku, kind, langs, tuple(draft.variants))
    return _Base(family, draft, parent_tiers, parent_images, regions, img)


def _terms(rng: random.Random, regions: list[str]) -> dict[str, OrderTerms]:
    """The order terms of each region (the same on the parent and on every variant)."""
    return {
        region: OrderTerms(
            region,
            rng.choice([1, 1, 50, 100]),
            rng.choice([1, 1, 10, 25]),
            Decimal(rng.choice([0, 0, 19, 21])),
            rng.choice(["1", "1", "2", "3"]),
        )
        for region in sorted(regions)
    }


def _estimated_bytes(base: _Base, lean: bool) -> int:
    """About the size of the family's file without its decoration."""
    family = base.family
    langs = len(family.languages)
    texts = sum(
        len(t.encode()) for d in (family.name, family.description, family.short_description)
        for t in d.values()
    )  # fmt: skip
    children = [v for v in family.variants if v.sku not in base.variants.inherits_images]
    images = len(base.parent_images) + sum(len(v.images) for v in children)
    priced = [v for v in family.variants if v.sku not in base.variants.inherits_tiers]
    tiers = len(base.parent_tiers) + sum(len(v.price_tiers) for v in priced)
    count = len(family.variants)
    per_child = SIZE_CHILD + langs * (SIZE_CHILD_LEAN_LANGUAGE if lean else SIZE_CHILD_LANGUAGE)
    return (
        SIZE_FAMILY + langs * SIZE_FAMILY_LANGUAGE + texts * (1 + (count if count <= 6 else 0))
        + images * langs * SIZE_IMAGE + tiers * SIZE_TIER + count * per_child
    )  # fmt: skip


def _finished(
    v: Variant,
    logistics: dict[str, Any],
    terms: tuple[OrderTerms, ...],
    positions: tuple[ImprintPosition, ...],
    attributes: JsonObject,
) -> Variant:
    """``v`` with its logistics, order terms, positions and attributes (as
    ``dataclasses.replace`` would do, faster)."""
    return Variant(
        v.sku, v.supplier_sku, v.ean, v.color, v.color_label, v.hex_color, v.size, v.weight_g,
        v.length_mm, v.width_mm, v.height_mm, v.diameter_mm, v.is_active, v.price_tiers,
        v.images, price_terms=terms, positions=positions, attributes=attributes, **logistics,
    )  # fmt: skip


def _complete(rng: random.Random, base: _Base, catalogue: decoration.Catalogue) -> FamilyDraft:
    """The family with its logistics, free key/values and decoration."""
    family = base.family
    lean = len(family.variants) > 12
    more = extras.draw(rng, family.supplier_code, list(family.languages))
    terms = _terms(rng, base.regions)
    parent_terms = tuple(terms.values())
    target = size_target(family.sku, len(family.variants))
    budget = target - _estimated_bytes(base, lean)
    positions, parent_positions = _decorate(rng, base, catalogue, budget)
    draft = base.variants
    variants = tuple(
        _finished(
            v,
            more.logistics,
            parent_terms,
            positions[v.sku],
            extras.variant_attributes(more, v, draft.pms[v.sku], family.category_path or "", lean),
        )
        for v in family.variants
    )
    truth = FamilyDraft(
        dataclasses.replace(family, variants=variants),
        base.parent_tiers,
        parent_terms,
        base.parent_images,
        parent_positions,
        frozenset(draft.inherits_tiers),
        frozenset(draft.inherits_images),
        draft.parent_facts,
        draft.own_facts,
        more,
        lean,
    )
    attributes = _family_attributes(truth)
    return dataclasses.replace(
        truth, family=dataclasses.replace(truth.family, attributes=attributes)
    )


def _family_attributes(draft: FamilyDraft) -> JsonObject:
    """What the parsed family keeps of the parent product beside its typed fields: free
    key/values, labelled facts, measures that no variant falls back to, and the price block
    and images when no variant inherits them."""
    family = draft.family
    whole: JsonObject = {}
    if not draft.inherits_images:
        main = [kept_image(i) for i in draft.parent_images if i.role == "main"]
        gallery = [kept_image(i) for i in draft.parent_images if i.role == "gallery"]
        whole = {"Image": main[0]} if main else {}
        if gallery:
            whole["MediaGalleryImages"] = gallery
    category = {"SupplierMainCategory": family.category_path} if family.category_path else {}
    details = {
        lang: {
            "IsActive": True,
            "WebShopInformation": draft.extras.web_shop[lang],
            **({"UnstructuredInformation": category} if category else {}),
            **whole,
        }
        for lang in family.languages
    }
    facts = dict(draft.extras.parent_facts)
    for name, key in FACT_KEYS.items():
        if all(own[name] is not None for own in draft.own_facts.values()):
            facts[key] = draft.parent_facts[name]
    out: JsonObject = {
        **draft.extras.parent_root,
        "DefaultProducts": {"BENELUX": family.variants[0].sku},
        "ProductDetails": details,
        "NonLanguageDependedProductDetails": facts,
    }
    if not draft.inherits_tiers:
        out["ProductPriceCountryBased"] = price_block(draft.parent_tiers, draft.parent_terms, True)
    return out


def _decorate(
    rng: random.Random, base: _Base, catalogue: decoration.Catalogue, budget: int
) -> tuple[dict[str, tuple[ImprintPosition, ...]], tuple[ImprintPosition, ...]]:
    """Each variant's print positions, and the parent's when the variants inherit them
    (written once, so that files of many variants keep a real file's size)."""
    family = base.family
    langs = family.languages
    count = len(family.variants)
    smallest = sum(sorted(catalogue.sizes)[:2]) + decoration.position_bytes(len(langs))
    on_parent = budget < count * smallest or rng.random() < 0.05
    chosen = decoration.choose(rng, catalogue, budget // (1 if on_parent else count), len(langs))
    shared = decoration.positions(rng, family.sku, langs, chosen)
    named = rng.random() < 0.5

    def picture(key: str) -> Callable[[int], ImageRef]:
        def one(p: int) -> ImageRef:
            url = base.image(f"imprint-{key}-{p}", rng)
            return ImageRef(url, "imprint", 0, _file_name(url) if named else None)

        return one

    if on_parent:
        parent = decoration.pictured(shared, picture("parent"))
        return {v.sku: parent for v in family.variants}, parent
    odd = rng.randrange(1, count) if count > 1 and rng.random() < 1 / 7 else None
    by_color: dict[str, tuple[ImprintPosition, ...]] = {}
    out: dict[str, tuple[ImprintPosition, ...]] = {}
    for i, variant in enumerate(family.variants):
        color = variant.color or "any"
        if i == odd:
            varied = decoration.varied(rng, shared, catalogue)
            out[variant.sku] = decoration.pictured(varied, picture(color))
        else:
            if color not in by_color:
                by_color[color] = decoration.pictured(shared, picture(color))
            out[variant.sku] = by_color[color]
    return out, ()


def _family(
    rng: random.Random, sku: str, kind: int, langs: list[str], variants: tuple[Variant, ...]
) -> Family:
    """The family's own texts and facts, drawn after its variants."""
    category_path = PRODUCT_CATEGORIES[kind]
    nouns = {lang: text.PRODUCT_NOUNS[lang][kind] for lang in langs}
    return Family(
        sku=sku,
        supplier_code=sku.split("-", 1)[0],
        supplier_sku=sku.split("-", 1)[1],
        ean=None,
        brand=rng.choice(text.BRANDS),
        category_code=category_path.rsplit("/", 1)[-1],
        category_path=category_path,
        name={lang: f"{nouns[lang]} {text.sentence(rng, lang, 2)[:-1]}" for lang in langs},
        description={lang: text.paragraph(rng, lang, rng.randint(2, 12)) for lang in langs},
        short_description={
            lang: text.sentence(rng, lang, 6) for lang in langs if rng.random() < 0.5
        },
        material={lang: text.MATERIALS[lang] for lang in langs},
        variants=variants,
        languages=tuple(sorted(langs)),
    )


class _Variants:
    """A family's variants as they are drawn, with what the serializer needs of each."""

    def __init__(
        self,
        rng: random.Random,
        parent_tiers: tuple[PriceTier, ...],
        parent_images: tuple[ImageRef, ...],
        parent_facts: dict[str, float],
        regions: list[str],
        langs: list[str],
    ) -> None:
        self.rng = rng
        self.parent_tiers = parent_tiers
        self.parent_images = parent_images
        self.parent_facts = parent_facts
        self.regions = regions
        self.langs = langs
        self.variants: list[Variant] = []
        self.inherits_tiers: set[str] = set()
        self.inherits_images: set[str] = set()
        self.own_facts: dict[str, dict[str, float | None]] = {}
        self.pms: dict[str, str] = {}

    def add(
        self,
        vsku: str,
        i: int,
        count: int,
        shape_a: bool,
        color: tuple[str, str | None, dict[str, str]],
        size: str | None,
        image_urls: list[str],
    ) -> None:
        rng = self.rng
        search, hex_color, labels = color
        if rng.random() < (0.2 if count <= 12 else 0.7):
            tiers = self.parent_tiers
            self.inherits_tiers.add(vsku)
        else:
            tiers = _tiers(rng, self.regions)
        if rng.random() < 0.1:
            images = self.parent_images
            self.inherits_images.add(vsku)
        else:
            images = _images(rng, image_urls)
        facts: dict[str, float | None] = {
            k: (None if rng.random() < 0.2 else float(rng.randint(0, 900)))
            for k in self.parent_facts
        }
        self.own_facts[vsku] = facts
        self.pms[vsku] = search if rng.random() < 0.5 else f"{rng.randint(100, 7000)} C"
        resolved = {k: self.parent_facts[k] if v is None else v for k, v in facts.items()}
        undefined = shape_a and rng.random() < 0.5
        labels_shown = {lang: text.color_label(labels, lang, self.pms[vsku]) for lang in self.langs}
        self.variants.append(
            Variant(
                sku=vsku,
                supplier_sku=vsku.split("-", 1)[1],
                ean=None if rng.random() < 0.2 else str(rng.randrange(10**12, 10**13)),
                color=None if undefined else search,
                color_label=labels_shown,
                hex_color=hex_color,
                size=size,
                weight_g=resolved["weight_g"],
                length_mm=resolved["length_mm"],
                width_mm=resolved["width_mm"],
                height_mm=resolved["height_mm"],
                diameter_mm=resolved["diameter_mm"],
                is_active=rng.random() > 0.03 or i == 0,  # a family keeps one orderable
                price_tiers=tiers,
                images=images,
            )
        )
