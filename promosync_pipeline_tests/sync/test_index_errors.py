"""Skipped index lines become ``index`` errors of the family their URL names."""

from promosync_pipeline.catalog import ErrorStage
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.sync.index_errors import index_error_records

HASH = "9F1C" + "0" * 36


def test_a_bad_line_of_this_supplier_names_its_family_others_are_left_out():
    text = "\n".join(
        [
            f"https://h.test/P/A1/A1-1.json|{HASH}",
            "https://h.test/P/A1/A1-2.json|not-a-hash",
            "https://h.test/P/B2/B2-7.json|also-bad",
            "garbage without a url",
        ]
    )
    records = index_error_records("A1", parse_index(text).problems)
    assert [(r.sku, r.source_url, r.stage) for r in records] == [
        ("A1-2", "https://h.test/P/A1/A1-2.json", ErrorStage.INDEX)
    ]
    assert "Import.txt line 2" in records[0].message
