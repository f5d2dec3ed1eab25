"""CAT.csv parsing: columns by header name, multilingual names, bad rows reported."""

from promosync_pipeline.promidata import Category, parse_categories


def test_columns_are_mapped_by_header_name_in_any_order():
    data = (
        "\ufeffSortOrder;Name_en;Code;Extra;ParentCode;Name_de\r\n"
        "2;Bags & Luggage;BAGS;x;;Taschen\r\n"
        "1;Bags & Luggage/Backpacks;BACKPACKS;y;BAGS;Taschen/Rucksäcke\r\n"
    ).encode()
    categories, problems = parse_categories(data)
    assert problems == []
    assert categories == [
        Category("BAGS", None, {"en": "Bags & Luggage", "de": "Taschen"}, 2),
        Category(
            "BACKPACKS", "BAGS", {"en": "Bags & Luggage/Backpacks", "de": "Taschen/Rucksäcke"}, 1
        ),
    ]


def test_missing_optional_columns_leave_fields_empty():
    categories, problems = parse_categories("code;name\nPENS;Pens\n")
    assert problems == []
    assert categories == [Category("PENS", None, {"en": "Pens"}, None)]


def test_language_columns_in_several_spellings():
    header = "Code;Parent;Name (da);NameFR;it;nl_name;SortOrder"
    categories, _ = parse_categories(f"{header}\nX;;Tasker;Sacs;Borse;Tassen;7\n")
    assert categories[0].name == {"da": "Tasker", "fr": "Sacs", "it": "Borse", "nl": "Tassen"}
    assert categories[0].sort_order == 7


def test_bad_rows_are_reported_with_line_numbers_and_skipped():
    data = "Code;ParentCode;Name_en\nA;;One\n;;No code\nA;;Again\n\nB;A;Two\n"
    categories, problems = parse_categories(data)
    assert [c.code for c in categories] == ["A", "B"]
    assert problems == [
        "CAT.csv line 3: empty category code",
        "CAT.csv line 4: duplicate category code 'A'",
    ]


def test_file_without_code_column_is_reported_not_raised():
    categories, problems = parse_categories("foo;bar\n1;2\n")
    assert categories == []
    assert problems and "no code column" in problems[0]


def test_short_rows_and_non_numeric_sort_order():
    categories, problems = parse_categories("Code;Name_en;SortOrder\nA\nB;Bee;first\n")
    assert problems == []
    assert categories == [Category("A", None, {}, None), Category("B", None, {"en": "Bee"}, None)]
