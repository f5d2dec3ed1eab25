"""Build one family's truth (a :class:`Family`) deterministically from a seeded RNG."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from promosync_pipeline.feedsim import text
from promosync_pipeline.feedsim.categories import PRODUCT_CATEGORIES
from promosync_pipeline.promidata import Family, ImageRef, PriceTier, Variant

REGIONS = ["BENELUX", "GERMANY", "FRANCE", "AUSTRIA", "SWITZERLAND"]
QUANTITIES = [1, 50, 100, 250, 500, 1000, 1500]
VARIANT_COUNTS = [2, 2, 2, 3, 3, 4, 4, 5, 6, 8, 10, 12, 16, 24, 40]
EXTRA_LANGUAGES = ["es", "it", "da"]


@dataclass(frozen=True)
class FamilyDraft:
    """The truth plus what the serializer needs that the parser does not keep."""

    family: Family
    parent_tiers: tuple[PriceTier, ...]
    parent_images: tuple[ImageRef, ...]
    inherits_tiers: frozenset[str]
    """Variant SKUs whose own price block is empty (they inherit the parent's)."""
    inherits_images: frozenset[str]
    parent_facts: dict[str, float]
    own_facts: dict[str, dict[str, float | None]]
    """Per variant SKU: the dimension values written on the child (None = falls back)."""
    pms: dict[str, str]


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
    sku = f"{code}-{100000 + index}"
    langs = list(languages) + [x for x in EXTRA_LANGUAGES if rng.random() < 0.15]
    kind = rng.randrange(len(PRODUCT_CATEGORIES))
    shape_a = rng.random() < 0.35
    count = 1 if shape_a else rng.choice(VARIANT_COUNTS)
    colors = rng.sample(text.COLORS, min(len(text.COLORS), max(1, (count + 1) // 2)))
    sizes = rng.sample(text.SIZES, rng.randint(2, 4)) if kind == 3 and not shape_a else [None]

    def img(key: str) -> str:
        return image_url(
            image_base, code, seed, f"{index}:{revision}:{key}", rng.random() < png_share
        )

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
    return FamilyDraft(
        _family(rng, sku, kind, langs, tuple(draft.variants)),
        parent_tiers,
        parent_images,
        frozenset(draft.inherits_tiers),
        frozenset(draft.inherits_images),
        parent_facts,
        draft.own_facts,
        draft.pms,
    )


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
                is_active=rng.random() > 0.03 or i == 0,  # a family keeps one orderable
                price_tiers=tiers,
                images=images,
                **resolved,
            )
        )
