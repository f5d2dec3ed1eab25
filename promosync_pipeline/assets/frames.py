"""Index entries as a DataFrame (what the IO manager stores) and back."""

from __future__ import annotations

import pandas as pd

from promosync_pipeline.promidata import IndexEntry

INDEX_COLUMNS = ["supplier_code", "sku", "url", "hash", "line"]


def entries_to_frame(entries: list[IndexEntry]) -> pd.DataFrame:
    return pd.DataFrame(
        [(e.supplier_code, e.sku, e.url, e.hash, e.line) for e in entries], columns=INDEX_COLUMNS
    )


def frame_to_entries(frame: pd.DataFrame) -> list[IndexEntry]:
    return [
        IndexEntry(supplier_code=c, sku=s, url=u, hash=h, line=int(n))
        for c, s, u, h, n in frame[INDEX_COLUMNS].itertuples(index=False, name=None)
    ]
