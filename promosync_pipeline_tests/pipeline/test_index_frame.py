"""promidata_index's Dagster type: a DataFrame of the five index columns, nothing else."""

from __future__ import annotations

import pandas as pd

from promosync_pipeline.assets.frames import INDEX_COLUMNS, IndexFrame, entries_to_frame
from promosync_pipeline.promidata import IndexEntry


def test_an_index_frame_passes_and_anything_else_is_refused_naming_what_it_got() -> None:
    entry = IndexEntry(
        supplier_code="A1", sku="A1-1", url="http://127.0.0.1/p.json", hash="H", line=2
    )
    frame = entries_to_frame([entry])
    assert tuple(frame.columns) == INDEX_COLUMNS

    assert IndexFrame.type_check(None, frame).success  # type: ignore[arg-type]
    wrong = IndexFrame.type_check(None, pd.DataFrame({"sku": ["A1-1"]}))  # type: ignore[arg-type]
    assert not wrong.success and "columns ('sku',)" in (wrong.description or "")
    other = IndexFrame.type_check(None, [entry])  # type: ignore[arg-type]
    assert not other.success and "got list" in (other.description or "")
