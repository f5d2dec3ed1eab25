"""CAT.csv: the category tree, semicolon-separated, columns mapped by header name."""

from __future__ import annotations

import csv
import io
import re

from promosync_pipeline.promidata.models import Category

_CODE = {"code", "categorycode", "category", "id", "categoryid"}
_PARENT = {"parentcode", "parent", "parentcategory", "parentcategorycode", "parentid"}
_SORT = {"sortorder", "sort", "order", "position", "sortindex"}
_NAME_PREFIXES = ("name", "categoryname", "description", "title")
_DEFAULT_NAME_LANGUAGE = "en"


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lstrip("\ufeff").lower())


def _name_language(key: str) -> str | None:
    """``name_de`` / ``Name (de)`` / ``de`` / ``NameDE`` -> ``de``; plain ``name`` -> default."""
    if re.fullmatch(r"[a-z]{2}", key):
        return key
    for prefix in _NAME_PREFIXES:
        if key == prefix:
            return _DEFAULT_NAME_LANGUAGE
        if key.startswith(prefix) and re.fullmatch(r"[a-z]{2}", key[len(prefix) :]):
            return key[len(prefix) :]
        if key.endswith(prefix) and re.fullmatch(r"[a-z]{2}", key[: -len(prefix)]):
            return key[: -len(prefix)]
    return None


def _sort_order(value: str) -> int | None:
    try:
        return int(float(value.replace(",", ".")))
    except ValueError:
        return None


def parse_categories(data: bytes | str) -> tuple[list[Category], list[str]]:
    """Parse CAT.csv into categories plus a list of problems (line-numbered, never raised).

    Columns are found by header name, in any order; unknown columns are ignored and a missing
    parent, name or sort column just leaves that field empty. Only a missing code column makes the
    whole file unusable (reported as a problem, no categories).
    """
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        return [], ["CAT.csv: empty file"]
    keys = [_key(h) for h in header]
    code_col = next((i for i, k in enumerate(keys) if k in _CODE), None)
    if code_col is None:
        return [], [f"CAT.csv line 1: no code column in header {header!r}"]
    parent_col = next((i for i, k in enumerate(keys) if k in _PARENT), None)
    sort_col = next((i for i, k in enumerate(keys) if k in _SORT), None)
    name_cols = {
        i: lang
        for i, k in enumerate(keys)
        if i not in (code_col, parent_col, sort_col) and (lang := _name_language(k))
    }
    categories: dict[str, Category] = {}
    problems: list[str] = []
    for line_no, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + [""] * (len(keys) - len(row))
        code = cells[code_col]
        if not code:
            problems.append(f"CAT.csv line {line_no}: empty category code")
            continue
        if code in categories:
            problems.append(f"CAT.csv line {line_no}: duplicate category code {code!r}")
            continue
        parent = cells[parent_col] if parent_col is not None else ""
        categories[code] = Category(
            code=code,
            parent_code=parent or None,
            name={lang: cells[i] for i, lang in name_cols.items() if cells[i]},
            sort_order=_sort_order(cells[sort_col]) if sort_col is not None else None,
        )
    return list(categories.values()), problems
