"""Import.txt parsing: every line either becomes an entry or a line-numbered problem."""

import random

import pytest

from promosync_pipeline.promidata import parse_index

H1 = "9F1C" + "0" * 36
H2 = "ab12" + "1" * 36


def test_bom_crlf_blank_lines_and_trailing_spaces_are_tolerated():
    data = (
        "\ufeffhttps://cdn.test/P/A23/A23-100804.json|" + H1 + "  \r\n"
        "\r\n"
        "   \r\n"
        "https://cdn.test/P/A360/A360-77-X.json|" + H2 + "\r\n"
    ).encode()
    report = parse_index(data)
    assert [(e.supplier_code, e.sku, e.line) for e in report.entries] == [
        ("A23", "A23-100804", 1),
        ("A360", "A360-77-X", 4),
    ]
    assert report.entries[0].url == "https://cdn.test/P/A23/A23-100804.json"
    assert report.entries[1].hash == H2.upper()
    assert report.problems == []
    assert report.lines_read == 4


def test_categories_line_is_not_a_product():
    report = parse_index(f"https://h.test/Import/CAT.csv\nhttps://h.test/A1/A1-5.json|{H1}\n")
    assert report.categories_url == "https://h.test/Import/CAT.csv"
    assert [e.sku for e in report.entries] == ["A1-5"]
    assert report.problems == []


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("https://h.test/A1/A1-5.json", "malformed"),
        ("just some words", "malformed"),
        (f"ftp://h.test/A1/A1-5.json|{H1}", "malformed"),
        (f"file:///etc/A1/A1-5.json|{H1}", "malformed"),
        ("https://h.test/A1/A1-5.json|", "bad_hash"),
        ("https://h.test/A1/A1-5.json|not a hash!", "bad_hash"),
        (f"https://h.test/A1/A2-5.json|{H1}", "url_mismatch"),
        (f"https://h.test/A1/A1-.json|{H1}", "url_mismatch"),
        (f"https://h.test/A1/A1-5.xml|{H1}", "url_mismatch"),
        (f"https://h.test/A1-5.json|{H1}", "url_mismatch"),
    ],
)
def test_bad_line_is_reported_with_its_line_number(line, kind):
    good = f"https://h.test/A1/A1-1.json|{H1}"
    report = parse_index(f"{good}\n{line}\n{good.replace('A1-1', 'A1-2')}\n")
    assert [e.sku for e in report.entries] == ["A1-1", "A1-2"]
    (problem,) = report.problems
    assert (problem.line, problem.kind) == (2, kind)
    assert problem.text == line
    assert str(problem).startswith("Import.txt line 2: ")


def test_duplicate_sku_keeps_the_first_and_names_it():
    report = parse_index(
        f"https://h.test/A1/A1-5.json|{H1}\nhttps://other.test/x/A1/A1-5.json|{H2}\n"
    )
    assert [(e.sku, e.hash) for e in report.entries] == [("A1-5", H1)]
    (problem,) = report.problems
    assert problem.kind == "duplicate_sku"
    assert "line 1" in problem.message and problem.line == 2


def test_percent_encoded_path_is_decoded():
    report = parse_index(f"https://h.test/A1/A1-AB%2010.json|{H1}")
    assert [e.sku for e in report.entries] == ["A1-AB 10"]


def test_by_supplier_groups_entries_in_order():
    report = parse_index(
        "\n".join(
            f"https://h.test/{c}/{c}-{n}.json|{H1}" for c, n in [("A1", 1), ("A2", 1), ("A1", 2)]
        )
    )
    assert {c: [e.sku for e in es] for c, es in report.by_supplier().items()} == {
        "A1": ["A1-1", "A1-2"],
        "A2": ["A2-1"],
    }


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_never_crash(seed):
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    report = parse_index(data + b"\nhttps://h.test/A1/A1-1.json|" + H1.encode())
    assert report.entries[-1].sku == "A1-1"
    assert all(p.line >= 1 for p in report.problems)


def test_empty_input_gives_empty_report():
    report = parse_index(b"")
    assert report.entries == [] and report.problems == [] and report.lines_read == 0


def test_a_skipped_line_names_its_family_when_its_url_does():
    from promosync_pipeline.promidata.index import problem_family

    text = (
        "https://x.test/Products/A23/A23-100.json|!!\n"
        "https://x.test/Products/A23/B7-5.json|" + "a" * 40 + "\n"
        "not a line at all\n"
        "https://x.test/Products/A23/A23-100.json|" + "b" * 40 + "\n"
        "https://x.test/Products/A23/A23-100.json|" + "c" * 40 + "\n"
    )
    report = parse_index(text)
    named = [(p.kind, problem_family(p)) for p in report.problems]
    assert named == [
        ("bad_hash", ("A23", "A23-100", "https://x.test/Products/A23/A23-100.json")),
        ("url_mismatch", ("A23", "B7-5", "https://x.test/Products/A23/B7-5.json")),
        ("malformed", None),
        ("duplicate_sku", None),
    ]
