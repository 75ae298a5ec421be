"""Listing dumps -> entries: both layouts, messy text, dates, and files that are not listings."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, long_abstract, write_files

from site_builder.errors import SiteError
from site_builder.listings import parse_listing, read_listing, year_for_file

LONG_A = long_abstract("sparse attention")
LONG_B = long_abstract("weight decay")
LONG_C = long_abstract("score matching")

# (input, expected entries as (line, date, title, abstract), expected warnings), side by side.
PARSE_CASES = {
    "layout A: header, date line, blank-line separated blocks": (
        (
            "new\n"
            "\n"
            "Get trending papers in your email inbox!\n"
            "\n"
            "Subscribe\n"
            "\n"
            "byAK and the research community\n"
            "\n"
            "Mar 12\n"
            "\n"
            "First Title\n"
            "\n"
            "First abstract.\n"
            "\n"
            "Second Title\n"
            "\n"
            "Second abstract.\n"
        ),
        [
            (11, "2025-03-12", "First Title", "First abstract."),
            (15, "2025-03-12", "Second Title", "Second abstract."),
        ],
        [],
    ),
    "layout B: no blank lines, Subscribe glued to the first title, no date": (
        (
            "Get trending papers in your email inbox once a day!\n"
            "Get trending papers in your email inbox!\n"
            "SubscribeConvex Decomposition of Indoor Scenes\n"
            "We describe a method.\n"
            "Accelerated Stochastic Optimization\n"
            "Non-convex optimization matters.\n"
        ),
        [
            (3, None, "Convex Decomposition of Indoor Scenes", "We describe a method."),
            (5, None, "Accelerated Stochastic Optimization", "Non-convex optimization matters."),
        ],
        [],
    ),
    "layout B: glued Subscribe before a title that starts with math": (
        "Subscribe$k$-Means Revisited\nWe revisit $k$-means.\n",
        [(1, None, "$k$-Means Revisited", "We revisit $k$-means.")],
        [],
    ),
    "layout B: glued Subscribe before a title that starts in lowercase": (
        (
            "Get trending papers in your email inbox!\n"
            "SubscribexLSTM: Extended Long Short-Term Memory\nWe extend LSTMs.\n"
        ),
        [(2, None, "xLSTM: Extended Long Short-Term Memory", "We extend LSTMs.")],
        [],
    ),
    "layout B: a title that starts with the word Subscribers is kept whole": (
        "Get trending papers in your email inbox!\nSubscribers and Churn\nWe predict churn.\n",
        [(2, None, "Subscribers and Churn", "We predict churn.")],
        [],
    ),
    "CRLF line ends": (
        "Mar 12\r\n\r\nFirst Title\r\n\r\nFirst abstract.\r\n\r\nSecond Title\r\nSecond abstract.\r\n",
        [
            (3, "2025-03-12", "First Title", "First abstract."),
            (7, "2025-03-12", "Second Title", "Second abstract."),
        ],
        [],
    ),
    "old Mac CR line ends": (
        "Mar 12\rFirst Title\rFirst abstract.\r",
        [(2, "2025-03-12", "First Title", "First abstract.")],
        [],
    ),
    "a byte order mark before the first line": (
        "\ufeffMar 12\nFirst Title\nFirst abstract.\n",
        [(2, "2025-03-12", "First Title", "First abstract.")],
        [],
    ),
    "trailing spaces and tabs, runs of blank lines": (
        "Mar 12   \n\n\n\n  First   Title \t\n\n\n\n\nFirst    abstract,\tspaced.   \n\n\n",
        [(5, "2025-03-12", "First Title", "First abstract, spaced.")],
        [],
    ),
    "page chrome between and after entries": (
        (
            "Daily Papers\nMar 12\nFirst Title\nFirst abstract.\nSubscribe\nnew\n"
            "Second Title\nSecond abstract.\nPrevious\nNext\n"
        ),
        [
            (3, "2025-03-12", "First Title", "First abstract."),
            (7, "2025-03-12", "Second Title", "Second abstract."),
        ],
        [],
    ),
    "a title at the end of the file without an abstract": (
        "Mar 12\n\nFirst Title\n\nFirst abstract.\n\nLast Title\n",
        [(3, "2025-03-12", "First Title", "First abstract.")],
        ["x.txt:7: title without an abstract, skipped: 'Last Title'"],
    ),
    "a truncated entry in the middle: title whose abstract is missing": (
        f"Mar 12\nFirst Title\n{LONG_A}\nCut Off Title\nThird Title\n{LONG_B}\n",
        [
            (2, "2025-03-12", "First Title", LONG_A),
            (5, "2025-03-12", "Third Title", LONG_B),
        ],
        ["x.txt:4: title without an abstract, skipped: 'Cut Off Title'"],
    ),
    "an abstract without its title at the start": (
        f"Mar 12\n{LONG_A}\nSecond Title\n{LONG_B}\n",
        [(3, "2025-03-12", "Second Title", LONG_B)],
        ["x.txt:2: abstract without a title, skipped"],
    ),
    "an abstract cut off mid-sentence at the end is kept as it is": (
        "Mar 12\nFirst Title\nWe propose a method that",
        [(2, "2025-03-12", "First Title", "We propose a method that")],
        [],
    ),
    "several date lines: each entry takes the latest one above it": (
        (
            "Mar 12\nFirst Title\nFirst abstract.\nMarch 14th\nSecond Title\nSecond abstract.\n"
            "Dec 1, 2024\nThird Title\nThird abstract.\n2023-07-09\nFourth Title\nFourth abstract.\n"
        ),
        [
            (2, "2025-03-12", "First Title", "First abstract."),
            (5, "2025-03-14", "Second Title", "Second abstract."),
            (8, "2024-12-01", "Third Title", "Third abstract."),
            (11, "2023-07-09", "Fourth Title", "Fourth abstract."),
        ],
        [],
    ),
    "a line separator inside a title does not split it or shift line numbers": (
        "Mar 12\nA Title\u2028Continued\nIts abstract.\nNext\x0cTitle\nIts other abstract.\n",
        [
            (2, "2025-03-12", "A Title Continued", "Its abstract."),
            (4, "2025-03-12", "Next Title", "Its other abstract."),
        ],
        [],
    ),
    "LaTeX in titles and abstracts is normalised": (
        "Mar 12\nSchr\\\"odinger Bridges \\`a la Poincar\\'e\nAbout {\\em bridges}, 95\\% of the time.\n",
        [
            (
                2,
                "2025-03-12",
                "Schrödinger Bridges à la Poincaré",
                "About *bridges*, 95% of the time.",
            )
        ],
        [],
    ),
    "HTML in a title stays text": (
        "Mar 12\n<script>alert(1)</script> Attention <b>Is</b> All\nAn abstract with <img src=x onerror=alert(1)>.\n",
        [
            (
                2,
                "2025-03-12",
                "<script>alert(1)</script> Attention <b>Is</b> All",
                "An abstract with <img src=x onerror=alert(1)>.",
            )
        ],
        [],
    ),
    "header only": (
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMar 12\n",
        [],
        [],
    ),
    "empty": ("", [], []),
}


@pytest.mark.parametrize(
    ("text", "expected", "warnings"), PARSE_CASES.values(), ids=PARSE_CASES.keys()
)
def test_parse_listing(
    text: str, expected: list[tuple[int, str | None, str, str]], warnings: list[str]
) -> None:
    parsed = parse_listing(text, "x.txt", 2025)
    assert [(e.where.line, e.date, e.title, e.abstract) for e in parsed.entries] == expected
    assert list(parsed.warnings) == warnings
    assert {e.where.path for e in parsed.entries} <= {"x.txt"}


@pytest.mark.parametrize(
    ("name", "configured", "fallback", "expected"),
    [
        ("2024-03-12-daily.txt", 2025, 2026, 2024),
        ("hf_2023-11-30.txt", None, 2026, 2023),
        ("000_f88e294224a973a7.txt", 2025, 2026, 2025),
        ("000_f88e294224a973a7.txt", None, 2026, 2026),
        ("12024-03-12.txt", None, 2026, 2026),  # not a date: five digits
    ],
)
def test_year_rule_file_name_then_setting_then_fallback(
    name: str, configured: int | None, fallback: int, expected: int
) -> None:
    assert year_for_file(name, configured, fallback) == expected


def test_read_listing_takes_the_year_from_the_file_name(tmp_path: Path) -> None:
    path = (
        write_files(tmp_path, {"2024-03-12.txt": "Mar 12\nA Title\nAn abstract.\n"})
        / "2024-03-12.txt"
    )
    parsed = read_listing(path, "content/sources/2024-03-12.txt", 2025, 2026)
    assert [(e.date, str(e.where)) for e in parsed.entries] == [
        ("2024-03-12", "content/sources/2024-03-12.txt:2")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.txt: no papers found: expected title and abstract lines after the page header"),
        (
            b"\n\n  \n",
            "x.txt: no papers found: expected title and abstract lines after the page header",
        ),
        (
            b"new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMar 12\n",
            "x.txt: no papers found: expected title and abstract lines after the page header",
        ),
        (
            b"Mar 12\nOnly A Title\n",
            "x.txt: no papers found: expected title and abstract lines after the page header",
        ),
        (
            b"Mar 12\nA Title\nAn abstract \xe9t\xe9 in Latin-1.\n",
            "x.txt:3: not UTF-8 text (byte 0xe9 at offset 27); save the listing as UTF-8",
        ),
        (
            bytes(range(256)) * 4,
            "x.txt:2: not UTF-8 text (byte 0x80 at offset 128); save the listing as UTF-8",
        ),
        (b"Mar 12\nA Title\nAn\x00abstract\n", "x.txt:3: not a text file (contains NUL bytes)"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "x.txt:1: not UTF-8 text (byte 0x89 at offset 0); save the listing as UTF-8",
        ),
    ],
    ids=["empty", "blank", "header-only", "title-only", "latin-1", "garbage", "nul", "png"],
)
def test_read_listing_refuses_files_that_are_not_listings(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = write_files(tmp_path, {"x.txt": data}) / "x.txt"
    with pytest.raises(SiteError) as caught:
        read_listing(path, "x.txt", 2025, 2026)
    assert str(caught.value) == message


def test_read_listing_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as caught:
        read_listing(tmp_path / "gone.txt", "content/sources/gone.txt", 2025, 2026)
    assert (
        str(caught.value)
        == "content/sources/gone.txt: cannot read: No such file or directory"
    )


def test_a_bom_and_crlf_file_reads_like_a_clean_one(tmp_path: Path) -> None:
    clean = "Mar 12\n\nA Title\n\nAn abstract.\n"
    messy = "\ufeff" + clean.replace("\n", "  \r\n")
    write_files(tmp_path, {"clean.txt": clean, "messy.txt": messy})
    read = [
        read_listing(tmp_path / name, "x.txt", 2025, 2026) for name in ("clean.txt", "messy.txt")
    ]
    assert read[0] == read[1]


@pytest.mark.parametrize(
    ("name", "entries", "date"),
    [
        ("000_f88e294224a973a7.txt", 54, "2025-03-12"),
        ("001_06f9f8d16ea2c083.txt", 207, None),
        ("002_f775b746e3ff0a90.txt", 42, "2025-03-11"),
        ("003_40410210dcb05642.txt", 46, "2025-03-11"),
        ("004_11acdcce7ddef882.txt", 59, "2025-03-14"),
    ],
)
def test_bundled_dumps_parse_without_warnings(name: str, entries: int, date: str | None) -> None:
    parsed = read_listing(SEEDS / name, name, 2025, 2026)
    assert len(parsed.entries) == entries
    assert parsed.warnings == ()
    assert {e.date for e in parsed.entries} == {date}
    # Every entry points at its title line in the file.
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    for entry in parsed.entries:
        assert entry.where.path == name
        assert entry.title.split()[0] in lines[entry.where.line - 1]


def test_layout_b_first_title_loses_the_glued_subscribe() -> None:
    name = "001_06f9f8d16ea2c083.txt"
    first = read_listing(SEEDS / name, name, 2025, 2026).entries[0]
    assert (first.title, first.where.line) == ("Convex Decomposition of Indoor Scenes", 3)


def test_a_five_megabyte_dump_parses(tmp_path: Path) -> None:
    block = "".join(f"Paper Number {i}\n\n{long_abstract(f'topic {i}')}\n\n" for i in range(200))
    text = "new\n\nSubscribe\n\nMar 12\n\n" + block * (5_000_000 // len(block) + 1)
    assert len(text.encode("utf-8")) > 5_000_000
    path = write_files(tmp_path, {"big.txt": text}) / "big.txt"
    parsed = read_listing(path, "big.txt", 2025, 2026)
    assert len(parsed.entries) == text.count("Paper Number ")
    assert parsed.entries[-1].where.line == text.count("\n") - 3
    assert parsed.warnings == ()
