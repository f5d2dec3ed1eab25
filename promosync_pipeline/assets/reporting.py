"""What the supplier and image assets share: retries, rates and failure tables."""

from __future__ import annotations

import functools
import inspect
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import dagster as dg
import sqlalchemy as sa

MAX_FAILURES_SHOWN = 50
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    ConnectionError,
    TimeoutError,
)
"""What a moment later may not see again: a database restart, a dropped connection."""
MAX_STEP_RETRIES = 2
FIRST_RETRY_DELAY_S = 10.0

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def _retried_if_transient(context: dg.AssetExecutionContext) -> Iterator[None]:
    try:
        yield
    except TRANSIENT_ERRORS as exc:
        delay = FIRST_RETRY_DELAY_S * 2**context.retry_number * random.uniform(0.8, 1.2)
        raise dg.RetryRequested(max_retries=MAX_STEP_RETRIES, seconds_to_wait=delay) from exc


def retry_transient(fn: F) -> F:
    """Run the step again (twice at most, 10 s then 20 s later, ±20 %) when it fails on a
    transient error, and on nothing else.

    Not a ``RetryPolicy``: under the in-process executor that every run uses, Dagster turns the
    interrupt of a step that has a retry policy into a retry (dagster-io/dagster#15026), so a
    run terminated from the UI would go on. Raising ``RetryRequested`` for transient errors
    only leaves an interrupt what it is: the run stops and ends canceled.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def steps(context: dg.AssetExecutionContext, *args: Any, **kwargs: Any) -> Any:
            with _retried_if_transient(context):
                yield from fn(context, *args, **kwargs)

        return steps  # type: ignore[return-value]

    @functools.wraps(fn)
    def step(context: dg.AssetExecutionContext, *args: Any, **kwargs: Any) -> Any:
        with _retried_if_transient(context):
            return fn(context, *args, **kwargs)

    return step  # type: ignore[return-value]


def failure_table(failed: Sequence[tuple[str, str, str]]) -> dg.MetadataValue | str:
    """(sku, stage, reason) rows as a markdown table for the UI."""
    if not failed:
        return "none"
    lines = ["| sku | stage | reason |", "| --- | --- | --- |"]
    for sku, stage, reason in failed[:MAX_FAILURES_SHOWN]:
        text = reason.replace("|", "\\|").replace("\n", " ")[:300]
        lines.append(f"| {sku} | {stage} | {text} |")
    if len(failed) > MAX_FAILURES_SHOWN:
        lines.append(f"| … | | {len(failed) - MAX_FAILURES_SHOWN} more in sync_errors |")
    return dg.MetadataValue.md("\n".join(lines))


def per_second(count: int, seconds: float) -> float:
    """``count / seconds`` for the metadata, rounded; 0 for no time."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def hold_supplier(context: dg.AssetExecutionContext, catalog_db: Any) -> None:
    """Hold the partition's supplier lease until the run ends (``CatalogDatabaseResource``):
    every step that writes a supplier calls this first."""
    catalog_db.hold_lease(context.partition_key, context.run.run_id, context.log)


def lineage(context: dg.AssetExecutionContext) -> str:
    """The first run of this run's lineage: itself, unless it re-executes another run."""
    return context.run.root_run_id or context.run.run_id


def moves_table(moves: Sequence[Any]) -> dg.MetadataValue | str:
    """The largest price moves (``catalog.changes.Change`` rows) as a markdown table."""
    if not moves:
        return "none"
    lines = [
        "| family | variant | field | old | new | move |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in moves:
        move = f"{m.price_move:+.1%}" if m.price_move is not None else ""
        lines.append(
            f"| {m.product_sku} | {m.variant_sku or ''} | {m.field} | {m.old_value} | "
            f"{m.new_value} | {move} |"
        )
    return dg.MetadataValue.md("\n".join(lines))
