"""The decoration of a generated family: print positions, their options and one-time costs.

A supplier prints with a fixed list of techniques at list prices: :func:`catalogue` draws it
once per supplier (and language set), and each family offers some of those options at one to
three positions. How many follows a byte budget, so that files keep the sizes of real ones.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import orjson

from promosync_pipeline.feedsim import shapes, text
from promosync_pipeline.promidata import (
    ImageRef,
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    OrderTerms,
    PriceTier,
)

REGIONS = ["BENELUX", "GERMANY", "FRANCE", "AUSTRIA", "SWITZERLAND"]
PRINT_QUANTITIES = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
COLORS = ["1", "2", "4", "full-color"]
REQUIREMENTS = [None, {"Operator": "Always", "Amount": 0}, {"Operator": "Below", "Amount": 250}]
POSITION_BYTES = 250
"""About the bytes of a position's own keys, besides its texts and options."""
POSITION_LANGUAGE_BYTES = 290
"""About the bytes of a position's texts and picture in one language."""


def supplier_style(code: str) -> int:
    """A number standing for a supplier's habits (how it writes codes, which fields it fills)."""
    return int("".join(c for c in code if c.isdigit()) or 0)


@dataclass(frozen=True)
class Catalogue:
    """A supplier's print options, each with the bytes its JSON takes in a file."""

    options: tuple[ImprintOption, ...]
    sizes: tuple[int, ...]


def _prices(
    rng: random.Random, regions: list[str], terms: dict[str, OrderTerms]
) -> tuple[tuple[PriceTier, ...], tuple[OrderTerms, ...]]:
    tiers = []
    quantities = [1, *sorted(rng.sample(PRINT_QUANTITIES, rng.randint(2, 8)))]
    buying = rng.random() < 0.6
    for region in regions:
        base = rng.uniform(0.3, 6.0)
        for kind, factor in (("selling", 1.0), ("buying", 0.7)):
            if kind == "buying" and not buying:
                continue
            for i, quantity in enumerate(quantities):
                price = Decimal(str(round(base * factor * (1 - 0.07 * i), 2)))
                tiers.append(PriceTier(region, kind, quantity, price, "EUR", False))  # type: ignore[arg-type]
    ordered = tuple(sorted(tiers, key=lambda t: (t.region, t.kind, t.min_quantity)))
    return ordered, tuple(terms[r] for r in regions)


def _charges(
    rng: random.Random, sku: str, languages: tuple[str, ...], region: str
) -> tuple[ImprintCharge, ...]:
    charges = []
    for suffix, calculation, names in rng.sample(text.CHARGES, rng.choice([0, 1, 1, 2, 2])):
        charges.append(
            ImprintCharge(
                sku=f"{sku}_{suffix}",
                supplier_sku=None if rng.random() < 0.3 else f"{sku.split('-', 1)[1]}_{suffix}",
                name={lang: names[lang] for lang in languages},
                description={},
                calculation_type=calculation,
                calculation_amount=Decimal(rng.choice([1, 1, 2])),
                requirement=rng.choice(REQUIREMENTS),
                prices=(
                    PriceTier(
                        region, "selling", 1, Decimal(rng.choice([15, 25, 37, 45])), "EUR", False
                    ),
                ),
                terms=(OrderTerms(region, 0, 0, Decimal(0), "0"),),
            )
        )
    return tuple(charges)


def _option(
    rng: random.Random,
    code: str,
    technique: tuple[str, str, dict[str, str]],
    colors: str,
    languages: tuple[str, ...],
    terms: dict[str, OrderTerms],
) -> ImprintOption:
    part, print_code, names = technique
    counted = {
        lang: text.FULL_COLOR[lang]
        if colors == "full-color"
        else text.COLOR_COUNT[lang].format(n=colors)
        for lang in languages
    }
    sku = f"{code}-{part}_{'FC' if colors == 'full-color' else colors + 'C'}"
    regions = sorted(rng.sample(REGIONS, rng.choice([1, 2, 2])))
    prices, option_terms = _prices(rng, regions, terms)
    described = rng.random() < 0.25
    width, height = rng.choice([(0, 0), (0, 0), (40, 20), (60, 60), (150, 150), (80, 0)])
    return ImprintOption(
        sku=sku,
        supplier_sku=sku.split("-", 1)[1],
        print_code=print_code if supplier_style(code) % 3 else None,
        name={lang: f"{names[lang]} {counted[lang]}" for lang in languages},
        description={lang: text.sentence(rng, lang, 5) for lang in languages[1:] if described},
        colors=colors,
        width_mm=float(width) or None,
        height_mm=float(height) or None,
        depth_mm=None,
        diameter_mm=float(rng.choice([50, 70])) if part == "PAD" and rng.random() < 0.3 else None,
        prices=prices,
        terms=option_terms,
        charges=_charges(rng, sku, languages, regions[0]),
        attributes={"PrintColor": 0},
    )


@functools.lru_cache(maxsize=128)
def catalogue(seed: int, code: str, languages: tuple[str, ...]) -> Catalogue:
    """The print options of supplier ``code``, with texts in ``languages``."""
    rng = random.Random(f"{seed}:{code}:print options")
    terms = {
        region: OrderTerms(
            region, rng.choice([1, 50, 100]), rng.choice([1, 10, 25]),
            Decimal(rng.choice([0, 19, 21])), rng.choice(["1", "2"]),
        )
        for region in REGIONS
    }  # fmt: skip
    options = []
    for technique in text.TECHNIQUES:
        for colors in COLORS:
            options.append(_option(rng, code, technique, colors, languages, terms))
    sizes = tuple(len(orjson.dumps(shapes.option(o, languages))) for o in options)
    return Catalogue(tuple(options), sizes)


def position_bytes(languages: int) -> int:
    return POSITION_BYTES + POSITION_LANGUAGE_BYTES * languages


def choose(
    rng: random.Random, catalogue: Catalogue, budget: int, languages: int
) -> list[list[ImprintOption]]:
    """Options for one to three positions, two to six each, filling about ``budget`` bytes
    per copy of the positions (the smallest options when the budget is too small)."""
    sizes = catalogue.sizes
    smallest = sorted(range(len(sizes)), key=sizes.__getitem__)
    overhead = position_bytes(languages)
    wanted = budget / (sum(sizes) / len(sizes) + overhead / 4)
    count = min(3, max(math.ceil(wanted / 6), min(rng.randint(1, 3), int(wanted // 2)), 1))
    while count > 1 and sum(sizes[i] for i in smallest[: 2 * count]) + count * overhead > budget:
        count -= 1
    groups: list[list[int]] = [[] for _ in range(count)]
    spent = count * overhead
    unused = rng.sample(range(len(sizes)), len(sizes))
    for slot in range(2 * count):  # two options per position, within the budget if possible
        reserve = sizes[smallest[0]] * (2 * count - slot - 1)
        pick = next((i for i in unused if spent + sizes[i] + reserve <= budget), None)
        if pick is None:
            pick = next(i for i in smallest if i in unused)
        unused.remove(pick)
        groups[slot % count].append(pick)
        spent += sizes[pick]
    for index in unused:  # then more, while they fit
        group = min(groups, key=len)
        if len(group) < 6 and spent + sizes[index] <= budget:
            group.append(index)
            spent += sizes[index]
    return [[catalogue.options[i] for i in group] for group in groups]


def positions(
    rng: random.Random, sku: str, languages: tuple[str, ...], options: list[list[ImprintOption]]
) -> tuple[ImprintPosition, ...]:
    """The family's positions, without pictures (:func:`pictured` adds each variant's)."""
    places = rng.sample(text.PLACES, len(options))
    style = supplier_style(sku.split("-", 1)[0]) % 3
    out = []
    for p, (place, offered) in enumerate(zip(places, options, strict=True)):
        area = (rng.choice([20, 40, 60, 80, 150]), rng.choice([10, 20, 40, 60, 150]))
        missing = languages[-1] if rng.random() < 0.15 else None
        code = (
            f"{place['en']}_{area[0]}x{area[1]}mm",
            f"LOC_{rng.randrange(10**9, 10**10)}",
            "ONPRODUCT" if p == 0 else f"ONPRODUCT_{p + 1}",
        )[style]
        out.append(
            ImprintPosition(
                code=code,
                supplier_code=place["en"] if style == 0 else None,
                name={
                    lang: f"{place[lang]} (max {area[0]} x {area[1]} mm)"
                    for lang in languages
                    if lang != missing
                },
                description={},
                max_print_area=f"{area[0]} x {area[1]} mm" if rng.random() < 0.8 else None,
                images=(),
                options=tuple(offered),
            )
        )
    return tuple(out)


def pictured(
    shared: tuple[ImprintPosition, ...], picture: Callable[[int], ImageRef]
) -> tuple[ImprintPosition, ...]:
    """``shared`` with a picture of each print area (``picture(p)`` for position ``p``)."""
    return tuple(
        ImprintPosition(
            s.code, s.supplier_code, s.name, s.description, s.max_print_area, (picture(p),),
            s.options, s.attributes,
        )
        for p, s in enumerate(shared)
    )  # fmt: skip


def varied(
    rng: random.Random, shared: tuple[ImprintPosition, ...], catalogue: Catalogue
) -> tuple[ImprintPosition, ...]:
    """``shared`` as one variant offers it differently: an option more, one less, or other
    prices for one option."""
    p = rng.randrange(len(shared))
    options = list(shared[p].options)
    offered = {o.sku for position in shared for o in position.options}
    spare = [o for o in catalogue.options if o.sku not in offered]
    change = rng.choice(["extra", "missing", "prices"])
    if change == "missing" and len(options) > 2:
        options.pop(rng.randrange(len(options)))
    elif change == "extra" and spare and len(options) < 6:
        options.append(rng.choice(spare))
    else:
        o = rng.randrange(len(options))
        cheaper = tuple(
            dataclasses.replace(t, price=(t.price * Decimal("0.9")).quantize(Decimal("0.01")))
            if t.price
            else t
            for t in options[o].prices
        )
        options[o] = dataclasses.replace(options[o], prices=cheaper)
    out = list(shared)
    out[p] = dataclasses.replace(shared[p], options=tuple(options))
    return tuple(out)
