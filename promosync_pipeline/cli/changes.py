"""``promosync changes``: the change feed, as a table for people or JSON for machines.

The table has one line per change: family, variant, the change and its field, old → new and,
for prices, the move in per cent; the largest price moves first, then by family and field.
``sync --dry-run`` prints its preview in the same format.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import Catalog, make_engine
from promosync_pipeline.catalog.changes import Change
from promosync_pipeline.redaction import redact_url

JSON_LAYOUT = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
VALUE_WIDTH = 40
"""Longest old or new value the table shows (``--json`` gives them whole)."""


@dataclass(frozen=True)
class Since:
    """Where ``--since`` starts: a moment, or a sync run (and every later one)."""

    after: datetime | None = None
    sync_run: int | None = None


class BadSince(ValueError):
    pass


def parse_since(text: str | None, catalog: Catalog) -> Since:
    """``--since``: a sync run id (``12``), a Dagster run id, a date (``2026-12-01``, UTC
    midnight) or an ISO date and time."""
    if not text:
        return Since()
    if text.isdigit():
        return Since(sync_run=int(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        first = catalog.runs.first_of_run(text)
        if first is None:
            raise BadSince(
                f"--since {text!r} is neither a date (2026-12-01, 2026-12-01T08:00), a sync "
                "run id (promosync status) nor the id of a Dagster run that synced"
            ) from None
        return Since(sync_run=first)
    if len(text) == 10:  # a date alone: from its midnight, UTC
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    return Since(after=moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _cut(value: str | None) -> str:
    if value is None:
        return "-"
    if len(value) <= VALUE_WIDTH and "\n" not in value:
        return value
    flat = value.replace("\n", " ")
    return flat if len(flat) <= VALUE_WIDTH else flat[: VALUE_WIDTH - 1] + "…"


HEADER = ("supplier", "family", "variant", "change", "field", "old → new", "move")


def change_lines(changes: Sequence[Change]) -> list[str]:
    """The table of ``changes`` (in their order), with a header."""
    rows = [HEADER]
    rows += [
        (
            c.supplier_code, c.product_sku, c.variant_sku or "", c.change, c.field or "",
            f"{_cut(c.old_value)} → {_cut(c.new_value)}",
            "" if c.price_move is None else f"{c.price_move:+.1%}",
        )
        for c in changes
    ]  # fmt: skip
    widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + f"  {{:>{max(widths[-1], 7)}}}"
    return [line.format(*row).rstrip() for row in rows]


def run_changes(
    codes: Sequence[str], *, since: str | None, as_json: bool, limit: int | None
) -> int:
    """Print the change feed of ``codes`` (every supplier when empty). Reads only: neither
    Dagster nor the migrations are loaded."""
    url = settings.env(settings.DATABASE_URL, settings.DEFAULT_DATABASE_URL)
    catalog = Catalog(make_engine(url))
    try:
        start = parse_since(since, catalog)
        found = catalog.changes.since(
            codes, after=start.after, from_sync_run=start.sync_run, limit=limit
        )
    except BadSince as exc:
        print(f"promosync changes: {exc}", file=sys.stderr)
        return 2
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(
            f"promosync changes: {redact_url(url)} cannot be read ({reason}); "
            "run `promosync db upgrade`",
            file=sys.stderr,
        )
        return 1
    finally:
        catalog.dispose()
    if as_json:
        sys.stdout.buffer.write(orjson.dumps([c.as_json() for c in found], option=JSON_LAYOUT))
        sys.stdout.flush()
        return 0
    if not found:
        print("no changes recorded" + (f" since {since}" if since else ""))
        return 0
    print("\n".join(change_lines(found)))
    print(f"\n{len(found)} changes" + (f" (the first {limit})" if limit == len(found) else ""))
    return 0
