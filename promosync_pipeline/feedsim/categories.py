"""The generated category tree and its CAT.csv."""

from __future__ import annotations

import csv
import io

from promosync_pipeline.promidata import Category

CSV_LANGUAGES = ("da", "de", "en", "fr", "it", "nl")
_TREE = [
    ("BAGS", None, "Bags & Luggage", "Taschen & Gepäck"),
    ("BACKPACKS", "BAGS", "Bags & Luggage/Backpacks", "Taschen & Gepäck/Rucksäcke"),
    ("SHOPPING_BAGS", "BAGS", "Bags & Luggage/Shopping bags", "Taschen & Gepäck/Einkaufstaschen"),
    ("WRITING", None, "Writing", "Schreiben"),
    ("BALLPENS", "WRITING", "Writing/Ballpens", "Schreiben/Kugelschreiber"),
    ("TEXTILE", None, "Textile", "Textil"),
    ("T_SHIRTS", "TEXTILE", "Textile/T-shirts", "Textil/T-Shirts"),
    ("DRINKWARE", None, "Drinkware", "Trinkgefäße"),
    ("MUGS", "DRINKWARE", "Drinkware/Mugs", "Trinkgefäße/Becher"),
    ("UMBRELLAS", None, "Umbrellas", "Regenschirme"),
]
PRODUCT_CATEGORIES = [
    "BAGS/SHOPPING_BAGS",
    "BAGS/BACKPACKS",
    "WRITING/BALLPENS",
    "TEXTILE/T_SHIRTS",
    "DRINKWARE/MUGS",
    "UMBRELLAS",
]
"""Category paths products use; index i goes with ``text.PRODUCT_NOUNS[...][i]``."""


def categories() -> list[Category]:
    out = []
    for order, (code, parent, en, de) in enumerate(_TREE, start=1):
        names = {lang: f"{en} [{lang}]" for lang in CSV_LANGUAGES}
        names.update(en=en, de=de)
        out.append(Category(code, parent, names, order))
    return out


def categories_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Code", "ParentCode", *(f"Name_{lang}" for lang in CSV_LANGUAGES), "Sort"])
    for c in categories():
        row = [c.code, c.parent_code or "", *(c.name.get(lang, "") for lang in CSV_LANGUAGES)]
        writer.writerow([*row, c.sort_order])
    return ("\ufeff" + buffer.getvalue()).encode()
