"""Import.txt: one ``<absolute url>|<hash>`` line per product file."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote, urlsplit

from promosync_pipeline.promidata.models import (
    IndexEntry,
    IndexProblem,
    IndexProblemKind,
    IndexReport,
)

_HASH = re.compile(r"^[0-9A-Za-z]{8,128}$")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_MAX_SHOWN = 200


def _problem(line_no: int, kind: IndexProblemKind, message: str, text: str) -> IndexProblem:
    return IndexProblem(line=line_no, kind=kind, message=message, text=text[:_MAX_SHOWN])


def split_product_path(url: str) -> tuple[str, str] | None:
    """``…/<code>/<code>-<sku>.json`` -> ``(code, "<code>-<sku>")``; None if it disagrees."""
    parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
    if len(parts) < 2:
        return None
    code, file_name = parts[-2], parts[-1]
    if not file_name.lower().endswith(".json"):
        return None
    stem = file_name[: -len(".json")]
    supplier_sku = stem[len(code) + 1 :] if stem.startswith(f"{code}-") else ""
    if not code or not supplier_sku:
        return None
    return code, stem


ATTRIBUTABLE = ("malformed", "bad_hash", "url_mismatch")
"""Problems that cost a family its sync (a duplicate line does not: the first one syncs)."""


def problem_family(problem: IndexProblem) -> tuple[str, str, str] | None:
    """``(supplier code, family SKU, url)`` a skipped line was about, when its URL says."""
    if problem.kind not in ATTRIBUTABLE:
        return None
    url = problem.text.split("|", 1)[0].strip()
    found = split_product_path(url)
    if found is None:
        parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
        if len(parts) < 2 or not parts[-1].lower().endswith(".json"):
            return None
        found = parts[-2], parts[-1][: -len(".json")]
    code, sku = found
    if not code or not sku or unsafe_name(code, sku):
        return None
    return code, sku, url


def unsafe_name(code: str, sku: str) -> str | None:
    """Why a supplier code or family SKU from a URL cannot be used, or None.

    A supplier code becomes a Dagster partition key, and partition keys become file names
    (the filesystem IO manager's paths): no path separators, no ``..`` (Dagster also refuses
    ``...``), no control characters, no surrounding spaces. A SKU only lands in database rows,
    which are parameterised, so it may hold anything but control characters.
    """
    for name, value in (("supplier code", code), ("SKU", sku)):
        if _CONTROL.search(value):
            return f"{name} {value!r} contains control characters"
    if any(ch in code for ch in "/\\") or ".." in code:
        return f"supplier code {code!r} contains a path separator or '..'"
    if code != code.strip():
        return f"supplier code {code!r} has surrounding spaces"
    return None


def parse_index(data: bytes | str) -> IndexReport:
    """Parse Import.txt; never raises on bad content.

    Blank lines, a BOM, CRLF and surrounding spaces are tolerated; the CAT.csv line is remembered
    as ``categories_url``; every other unusable line becomes an :class:`IndexProblem` with its
    line number. Of two lines naming the same family SKU the first wins.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    entries: list[IndexEntry] = []
    problems: list[IndexProblem] = []
    first_line_of: dict[str, int] = {}
    categories_url: str | None = None
    line_no = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        url, sep, hash_ = (part.strip() for part in line.partition("|"))
        if urlsplit(url).path.lower().endswith("/cat.csv"):
            categories_url = url
            continue
        read = _read_line(line_no, raw, url, sep, hash_, first_line_of)
        if isinstance(read, IndexProblem):
            problems.append(read)
            continue
        first_line_of[read.sku] = line_no
        entries.append(read)
    return IndexReport(
        entries=entries,
        problems=problems,
        categories_url=categories_url,
        lines_read=line_no,
        truncated=_cut_short(text, line_no, entries, problems),
    )


def _read_line(
    line_no: int, raw: str, url: str, sep: str, hash_: str, first_line_of: dict[str, int]
) -> IndexEntry | IndexProblem:
    """One product line of Import.txt: its entry, or why it is skipped."""
    scheme = urlsplit(url).scheme.lower()
    if not sep or not url or scheme not in ("http", "https") or not urlsplit(url).netloc:
        return _problem(line_no, "malformed", "expected '<http(s) url>|<hash>'", raw)
    if not _HASH.match(hash_):
        return _problem(line_no, "bad_hash", "missing or malformed hash", raw)
    named = split_product_path(url)
    if named is None:
        message = "URL path is not '<code>/<code>-<supplier sku>.json'"
        return _problem(line_no, "url_mismatch", message, raw)
    code, sku = named
    unsafe = unsafe_name(code, sku)
    if unsafe is not None:
        return _problem(line_no, "unsafe_name", unsafe, raw)
    if sku in first_line_of:
        message = f"SKU {sku} already listed on line {first_line_of[sku]}"
        return _problem(line_no, "duplicate_sku", message, raw)
    return IndexEntry(supplier_code=code, sku=sku, url=url, hash=hash_.upper(), line=line_no)


def _cut_short(
    text: str, last_line: int, entries: list[IndexEntry], problems: list[IndexProblem]
) -> bool:
    """Does the text stop in the middle of an entry? (See ``IndexReport.truncated``.)"""
    if not text.strip() or text.endswith(("\n", "\r")):
        return False
    if any(p.line == last_line and p.kind != "duplicate_sku" for p in problems):
        return True
    if len(entries) > 1 and entries[-1].line == last_line:
        usual = len(entries[0].hash)
        return len(entries[-1].hash) < usual
    return False


def slice_hash(entries: list[IndexEntry]) -> str:
    """Fingerprint of one supplier's index entries: changes iff a file is added, removed or
    re-hashed, whatever the line order."""
    digest = hashlib.sha1(usedforsecurity=False)
    for sku, url, hash_ in sorted((e.sku, e.url, e.hash) for e in entries):
        digest.update(f"{sku}|{url}|{hash_}\n".encode())
    return digest.hexdigest()
