"""Index entries as a DataFrame: the value of ``promidata_index``.

pandas is imported when a frame is built, not with the definitions: of the code location's
processes only a run that materializes the index needs it, and importing it costs 0.3-0.5 s
on 2 cores (a third of a no-op ``promosync sync`` beyond Dagster's own start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dagster as dg

from promosync_pipeline.promidata import IndexEntry

if TYPE_CHECKING:
    import pandas as pd

INDEX_COLUMNS = ("supplier_code", "sku", "url", "hash", "line")


def entries_to_frame(entries: list[IndexEntry]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [(e.supplier_code, e.sku, e.url, e.hash, e.line) for e in entries],
        columns=list(INDEX_COLUMNS),
    )


def _is_index_frame(_context: Any, value: Any) -> dg.TypeCheck:
    import pandas as pd  # loaded already: the asset that produces the value built it

    columns = tuple(value.columns) if isinstance(value, pd.DataFrame) else None
    if columns != INDEX_COLUMNS:
        return dg.TypeCheck(
            success=False,
            description=f"expected a DataFrame with columns {INDEX_COLUMNS}, got "
            f"{type(value).__name__}" + (f" with columns {columns}" if columns is not None else ""),
        )
    return dg.TypeCheck(success=True, metadata={"rows": len(value)})


IndexFrame = dg.DagsterType(
    name="IndexFrame",
    type_check_fn=_is_index_frame,
    description=(
        "A pandas DataFrame, one row per product file of Import.txt: supplier_code, sku, url, "
        "hash (as the index lists them) and line (its line number in Import.txt)."
    ),
)
