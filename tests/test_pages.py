"""Paper <-> Markdown page: the page format, slugs, merging new listings, page errors."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_project, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.errors import SiteError
from site_builder.models import ImportedPaper, Listing
from site_builder.pages import (
    PageNotMerged,
    assign_slugs,
    merge_page,
    parse_page,
    render_new_page,
    slug_for,
)

PAPER = ImportedPaper(
    id="abc1234567",
    title="Schrödinger Bridges with $f$-Divergences",
    abstract="We bridge $p$ and $q$. Code: https://github.com/a/b",
    listings=(Listing("2025-03-12", "a.txt", 3), Listing(None, "b.txt", 7)),
    code=("https://github.com/a/b",),
    links=(),
)

PAGE = """\
---
id: abc1234567
title: Schrödinger Bridges with $f$-Divergences
listings:
- date: null
  source: b.txt
  line: 7
- date: 2025-03-12
  source: a.txt
  line: 3
code:
- https://github.com/a/b
links: []
tags: []
remove_tags: []
status: unread
---

We bridge $p$ and $q$. Code: https://github.com/a/b

## Notes

"""


def test_new_page_has_front_matter_abstract_and_notes() -> None:
    assert render_new_page(PAPER) == PAGE


def test_new_page_reads_back_as_the_paper() -> None:
    paper = parse_page(PAGE, "content/papers/x.md", "x", ["llm"])
    assert (paper.id, paper.slug, paper.title, paper.abstract, paper.notes) == (
        PAPER.id,
        "x",
        PAPER.title,
        PAPER.abstract,
        "",
    )
    assert paper.listings == (Listing(None, "b.txt", 7), Listing("2025-03-12", "a.txt", 3))
    assert (paper.code, paper.links, paper.tags, paper.remove_tags, paper.status) == (
        PAPER.code,
        (),
        (),
        (),
        "unread",
    )
    assert paper.dates == ("2025-03-12",)
    assert str(paper.where) == "content/papers/x.md:1"


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert('x')</script> Attention",
        "Yes",
        "null",
        "2025-03-12",
        "--- a title with dashes ---",
        "# Not a heading: really",
        "Title with 'quotes' and \"double quotes\" and a: colon",
        "@at & *star | pipe > gt %percent",
    ],
)
def test_any_title_survives_the_page_as_text(title: str) -> None:
    page = render_new_page(
        ImportedPaper("abc1234567", title, "<b>Bold?</b> An abstract.", (), (), ())
    )
    paper = parse_page(page, "p.md", "p")
    assert (paper.title, paper.abstract) == (title, "<b>Bold?</b> An abstract.")


def test_notes_and_edited_abstract_are_read() -> None:
    text = (
        PAGE.replace("We bridge", "I rewrote this. We bridge") + "My notes.\n\n### More\n\nText.\n"
    )
    paper = parse_page(text, "p.md", "p")
    assert paper.abstract.startswith("I rewrote this.")
    assert paper.notes == "My notes.\n\n### More\n\nText."


# (hostile title, expected slug), side by side.
SLUG_CASES = {
    "plain": ("Attention Is All You Need", "attention-is-all-you-need"),
    "path traversal": ("../../etc/passwd", "etc-passwd"),
    "slashes and backslashes": ("a/b\\c: d", "a-b-c-d"),
    "emoji only": ("🚀🔥", "paper-abc1234567"),
    "punctuation only": ("...", "paper-abc1234567"),
    "accents": ("Schrödinger Poincaré Straße", "schrodinger-poincare-strasse"),
    "CJK": ("中文标题", "zhong-wen-biao-ti"),
    "HTML": ("<script>alert(1)</script> Attention", "script-alert-1-script-attention"),
    "dot files": (".htaccess", "htaccess"),
    "math as text": ("f-Divergence Matching", "f-divergence-matching"),
}


@pytest.mark.parametrize(("title", "slug"), SLUG_CASES.values(), ids=SLUG_CASES.keys())
def test_slug_for(title: str, slug: str) -> None:
    assert slug_for(title, "abc1234567") == slug


@pytest.mark.parametrize(
    "title",
    [
        "x" * 300,
        "word " * 60,
        "a" * 77 + " bcd",
        "🚀" * 300,
        "../" * 100,
        "\u0000\u202e\ufeff title",
        " ".join(["Ünïcödé"] * 50),
    ],
)
def test_slug_is_always_a_short_safe_ascii_file_name(title: str) -> None:
    slug = slug_for(title, "abc1234567")
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)
    assert len(slug) <= 80
    assert slug == slug_for(title, "abc1234567")


def test_colliding_slugs_get_numbers_in_the_given_order() -> None:
    wanted = [("id1", "attention"), ("id2", "attention"), ("id3", "attention"), ("id4", "other")]
    assert assign_slugs(wanted, taken=["Attention-2"]) == {
        "id1": "attention",
        "id2": "attention-3",
        "id3": "attention-4",
        "id4": "other",
    }
    assert assign_slugs(wanted, taken=[]) == assign_slugs(wanted, taken=[])


def test_numbered_slug_stays_within_the_length_and_has_no_double_dash() -> None:
    base = "a" * 77 + "-bc"
    chosen = assign_slugs([("id1", base), ("id2", base)], taken=[])
    assert chosen == {"id1": base, "id2": "a" * 77 + "-2"}


EDITED = """\
---
id: abc1234567
# my comment above the title
title: My own title  # shortened
listings:
- date: 2025-03-12
  source: a.txt
  line: 3
# found it through a friend
code: []
tags: [llm]
status: read
extra:
  rating: 5
---

Abstract I edited.

## Notes

Mine.
"""


def test_merge_page_adds_missing_listings_and_keeps_every_other_byte() -> None:
    existing = parse_page(EDITED, "p.md", "p")
    merged = merge_page(EDITED, existing, PAPER)
    assert merged == EDITED.replace(
        "- date: 2025-03-12\n  source: a.txt\n  line: 3\n",
        "- date: null\n  source: b.txt\n  line: 7\n- date: 2025-03-12\n  source: a.txt\n  line: 3\n",
    )
    assert merge_page(merged, parse_page(merged, "p.md", "p"), PAPER) is None


def test_merge_page_adds_a_listings_block_when_the_page_has_none() -> None:
    text = "---\ntitle: T\n---\n\nAbstract.\n"
    merged = merge_page(text, parse_page(text, "p.md", "p"), PAPER)
    assert merged == (
        "---\ntitle: T\nlistings:\n- date: null\n  source: b.txt\n  line: 7\n"
        "- date: 2025-03-12\n  source: a.txt\n  line: 3\n---\n\nAbstract.\n"
    )


def test_merge_page_ignores_a_listing_whose_line_moved_in_the_same_dump() -> None:
    existing = parse_page(PAGE, "p.md", "p")
    moved = ImportedPaper(
        PAPER.id,
        PAPER.title,
        PAPER.abstract,
        (Listing("2025-03-12", "a.txt", 40), Listing(None, "b.txt", 9)),
        PAPER.code,
        (),
    )
    assert merge_page(PAGE, existing, moved) is None


def test_parse_page_with_crlf_and_bom_free_text() -> None:
    paper = parse_page(PAGE.replace("\n", "\r\n"), "p.md", "p")
    assert paper.title == PAPER.title
    assert paper.listings[1] == Listing("2025-03-12", "a.txt", 3)


# (page text, expected messages), side by side.
PAGE_ERRORS = {
    "no front matter": (
        "Just text\n",
        ["p.md:1: expected front matter: the page must start with a `---` line"],
    ),
    "empty file": ("", ["p.md:1: expected front matter: the page must start with a `---` line"]),
    "front matter not closed": (
        "---\ntitle: T\n\nAbstract.\n",
        ["p.md:1: front matter is not closed: add a `---` line after it"],
    ),
    "YAML syntax error": (
        "---\ntitle: T\ntags: [llm\n---\n",
        ["p.md:4: YAML error: did not find expected ',' or ']'"],
    ),
    "YAML bad indentation": (
        "---\ntitle: T\n  status: read\n---\n",
        ["p.md:3: YAML error: mapping values are not allowed in this context"],
    ),
    "front matter not a mapping": (
        "---\n- a\n- b\n---\n",
        ["p.md:2: expected a mapping of `key: value` lines, got list"],
    ),
    "unknown field": (
        "---\ntitle: T\nrating: 5\n---\n",
        [
            (
                "p.md:3: unknown field `rating` (known: id, title, authors, arxiv, doi, venue, published, listings, code, links, tags, remove_tags, status, starred, extra; put your own under `extra:`)"
            )
        ],
    ),
    "missing title": ("---\nstatus: read\n---\n", ["p.md:2: `title` is required and must be text"]),
    "title not text": (
        "---\ntitle: [a, b]\n---\n",
        ["p.md:2: `title` is required and must be text"],
    ),
    "bad status": (
        "---\ntitle: T\nstatus: done\n---\n",
        ["p.md:3: `status` must be one of unread, reading, read, skipped, got 'done'"],
    ),
    "tags not a list of strings": (
        "---\ntitle: T\ntags: {llm: yes}\n---\n",
        ["p.md:3: `tags` must be a list of strings, got {'llm': True}"],
    ),
    "remove_tags with a number": (
        "---\ntitle: T\nremove_tags: [llm, 3]\n---\n",
        ["p.md:3: `remove_tags` must be a list of strings, got ['llm', 3]"],
    ),
    "listings not a list": (
        "---\ntitle: T\nlistings: 5\n---\n",
        ["p.md:3: `listings` must be a list, got int"],
    ),
    "listing with a bad date": (
        "---\ntitle: T\nlistings:\n- date: March 12\n  source: a.txt\n  line: 3\n---\n",
        ["p.md:3: listing date must be YYYY-MM-DD, got 'March 12'"],
    ),
    "listing with an impossible date": (
        "---\ntitle: T\nlistings:\n- date: 2025-13-45\n  source: a.txt\n---\n",
        [
            (
                "p.md:4: YAML error: invalid value '2025-13-45': month must be in 1..12 "
                "(only plain YAML values are allowed)"
            )
        ],
    ),
    "listing line not a number": (
        "---\ntitle: T\nlistings:\n- date: 2025-03-12\n  source: a.txt\n  line: three\n---\n",
        ["p.md:3: listing line must be a number, got 'three'"],
    ),
    "extra not a mapping": (
        "---\ntitle: T\nextra: 5\n---\n",
        ["p.md:3: `extra` must be a mapping of your own fields"],
    ),
    "id not text": ("---\ntitle: T\nid: [1]\n---\n", ["p.md:3: `id` must be text, got [1]"]),
    "unknown tags": (
        "---\ntitle: T\ntags: [llm, quantum-gravity]\nremove_tags: [vision, nope]\n---\n",
        [
            "p.md:3: unknown tag `quantum-gravity` in `tags` (see content/tags.yml)",
            "p.md:4: unknown tag `nope` in `remove_tags` (see content/tags.yml)",
        ],
    ),
    "several problems, sorted by line": (
        "---\nstatus: done\ncolour: red\ntitle: T\ntags: 5\n---\n",
        [
            "p.md:2: `status` must be one of unread, reading, read, skipped, got 'done'",
            (
                "p.md:3: unknown field `colour` (known: id, title, authors, arxiv, doi, venue, published, listings, code, links, tags, remove_tags, status, starred, extra; put your own under `extra:`)"
            ),
            "p.md:5: `tags` must be a list of strings, got 5",
        ],
    ),
    "duplicate key": (
        "---\ntitle: T\nstatus: read\ntitle: U\n---\n",
        ["p.md:4: duplicate key `title` (first on line 2)"],
    ),
    "duplicate keys at any depth, each reported": (
        "---\ntitle: T\nextra:\n  rating: 1\n  rating: 2\ntags: []\ntags: []\n---\n",
        [
            "p.md:5: duplicate key `rating` (first on line 4)",
            "p.md:7: duplicate key `tags` (first on line 6)",
        ],
    ),
    "python object tag": (
        "---\ntitle: T\nextra: !!python/object/apply:os.system ['echo pwned']\n---\n",
        [
            (
                "p.md:3: YAML error: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object/apply:os.system' (only plain YAML values are allowed)"
            )
        ],
    ),
}


@pytest.mark.parametrize(("text", "messages"), PAGE_ERRORS.values(), ids=PAGE_ERRORS.keys())
def test_parse_page_errors(text: str, messages: list[str]) -> None:
    with pytest.raises(SiteError) as caught:
        parse_page(text, "p.md", "p", ["llm", "vision"])
    assert str(caught.value).splitlines() == messages


def test_parse_page_reads_bibliographic_fields() -> None:
    text = (
        "---\ntitle: T\nauthors: [Ada Lovelace, Alan Turing]\narxiv: 2503.01234\n"
        "doi: 10.1000/xyz.1\nvenue: NeurIPS 2025\npublished: 2025-03-02\nstarred: true\n---\n"
    )
    paper = parse_page(text, "p.md", "p")
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert (paper.arxiv, paper.doi, paper.venue) == ("2503.01234", "10.1000/xyz.1", "NeurIPS 2025")
    assert (paper.published, paper.starred) == ("2025-03-02", True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("arxiv: not-an-id", "p.md:3: `arxiv` is not a valid arxiv id: 'not-an-id'"),
        ("doi: 11.2/x", "p.md:3: `doi` is not a valid doi id: '11.2/x'"),
        (
            "published: 2025-03-12 10:00:00",
            "p.md:3: `published` must be a date YYYY-MM-DD, got datetime.datetime(2025, 3, 12, 10, 0)",
        ),
        ("starred: yes please", "p.md:3: `starred` must be true or false, got 'yes please'"),
    ],
)
def test_parse_page_refuses_bad_bibliographic_fields(line: str, message: str) -> None:
    with pytest.raises(SiteError) as caught:
        parse_page(f"---\ntitle: T\n{line}\n---\n", "p.md", "p")
    assert str(caught.value) == message


BIB = ImportedPaper(
    id="abc1234567",
    title="T",
    abstract="A.",
    listings=(Listing("2025-03-12", "a.txt", 3), Listing(None, "b.txt", 7)),
    code=(),
    links=(),
    authors=("Ada Lovelace", "Alan Turing"),
    arxiv="2503.01234",
    doi="10.1000/xyz.1",
    venue="NeurIPS 2025",
    published="2025-03-02",
)


def _merged(text: str, imported: ImportedPaper = BIB) -> str:
    """Merge imported into text and check that a second merge changes nothing."""
    merged = merge_page(text, parse_page(text, "p.md", "p"), imported)
    assert merged is not None
    assert merge_page(merged, parse_page(merged, "p.md", "p"), imported) is None
    return merged


def test_merge_keeps_comments_in_and_on_the_lines_of_the_listings_block() -> None:
    text = (
        "---\ntitle: T   # mine\nlistings:   # kept by import\n"
        "  - date: 2025-03-11   # first\n    source: x.txt\n    line: 3\n"
        "  # between\n  - date: 2025-03-13\n    source: d.txt\n    line: 3   # last\n"
        "# after listings\nstatus: read\n---\n\nAbstract.\n"
    )
    assert _merged(text, PAPER) == (
        "---\ntitle: T   # mine\nlistings:   # kept by import\n"
        "  - date: null\n    source: b.txt\n    line: 7\n"
        "  - date: 2025-03-11   # first\n    source: x.txt\n    line: 3\n"
        "  - date: 2025-03-12\n    source: a.txt\n    line: 3\n"
        "  # between\n  - date: 2025-03-13\n    source: d.txt\n    line: 3   # last\n"
        "# after listings\nstatus: read\n---\n\nAbstract.\n"
    )


def test_merge_adds_missing_fields_as_new_lines_and_never_changes_a_set_one() -> None:
    text = "---\nid: abc1234567\ntitle: T\nauthors: [Me]  # just me\nlistings:\n- date: 2025-03-12\n  source: a.txt\n  line: 3\nvenue: ''\n---\n"
    assert _merged(text) == (
        "---\nid: abc1234567\ntitle: T\nauthors: [Me]  # just me\n"
        "arxiv: '2503.01234'\ndoi: 10.1000/xyz.1\n"
        "listings:\n- date: null\n  source: b.txt\n  line: 7\n- date: 2025-03-12\n  source: a.txt\n"
        "  line: 3\nvenue: ''\npublished: 2025-03-02\n---\n"
    )
    paper = parse_page(_merged(text), "p.md", "p")
    assert (paper.authors, paper.arxiv, paper.published, paper.venue) == (
        ("Me",),
        "2503.01234",
        "2025-03-02",
        None,
    )


def test_merge_adds_fields_to_a_page_that_has_every_listing() -> None:
    assert _merged(PAGE, BIB).startswith(
        "---\nid: abc1234567\ntitle: Schrödinger Bridges with $f$-Divergences\n"
        "authors:\n- Ada Lovelace\n- Alan Turing\narxiv: '2503.01234'\ndoi: 10.1000/xyz.1\n"
        "venue: NeurIPS 2025\npublished: 2025-03-02\nlistings:\n- date: null\n"
    )


def test_merge_reads_an_anchored_listings_block_and_keeps_the_anchor() -> None:
    text = "---\ntitle: T\nlistings: &L\n- date: 2025-03-12\n  source: a.txt\n  line: 3\n---\n"
    assert _merged(text, PAPER) == (
        "---\ntitle: T\nlistings: &L\n- date: null\n  source: b.txt\n  line: 7\n"
        "- date: 2025-03-12\n  source: a.txt\n  line: 3\n---\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "---\ntitle: T\nlistings: &L\n- date: 2025-03-12\n  source: a.txt\n  line: 3\n"
            "extra:\n  seen: *L\n---\n",
            "p.md:3: new listings not added: `listings` is a YAML anchor used elsewhere in the "
            "page (or an alias); add them by hand or write the list out",
        ),
        (
            "---\ntitle: T\nextra:\n  seen: &L\n  - date: 2025-03-12\n    source: a.txt\n"
            "    line: 3\nlistings: *L\n---\n",
            "p.md:8: new listings not added: `listings` is a YAML anchor used elsewhere in the "
            "page (or an alias); add them by hand or write the list out",
        ),
        (
            "---\ntitle: T\nlistings: null\n---\n",
            "p.md:3: new listings not added: `listings` is not a list written out in the page; "
            "make it a list (`listings:` with `- date: ...` items) to let import add to it",
        ),
    ],
)
def test_merge_leaves_a_page_alone_when_it_cannot_keep_every_byte(text: str, message: str) -> None:
    with pytest.raises(PageNotMerged) as caught:
        merge_page(text, parse_page(text, "p.md", "p"), PAPER)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "merged"),
    [
        (
            "---\ntitle: T\nlistings: []  # none yet\nstatus: read\n---\n",
            "---\ntitle: T\nlistings: [{date: null, source: b.txt, line: 7}, "
            "{date: 2025-03-12, source: a.txt, line: 3}]  # none yet\nstatus: read\n---\n",
        ),
        (
            "---\ntitle: T\nlistings:  # later\n# mine\nstatus: read\n---\n",
            "---\ntitle: T\nlistings:  # later\n- date: null\n  source: b.txt\n  line: 7\n"
            "- date: 2025-03-12\n  source: a.txt\n  line: 3\n# mine\nstatus: read\n---\n",
        ),
        (
            "---\r\ntitle: T\r\nlistings:\r\n- date: 2025-03-12\r\n  source: a.txt\r\n  line: 3\r\n---\r\n",
            "---\r\ntitle: T\r\nlistings:\r\n- date: null\r\n  source: b.txt\r\n  line: 7\r\n"
            "- date: 2025-03-12\r\n  source: a.txt\r\n  line: 3\r\n---\r\n",
        ),
        (
            "---\n  title: T\n  status: read\n---\n",
            "---\n  title: T\n  listings:\n  - date: null\n    source: b.txt\n    line: 7\n"
            "  - date: 2025-03-12\n    source: a.txt\n    line: 3\n  status: read\n---\n",
        ),
    ],
    ids=["flow list", "empty value with comments", "CRLF", "indented front matter"],
)
def test_merge_into_other_ways_of_writing_listings(text: str, merged: str) -> None:
    assert _merged(text, PAPER) == merged


def _only_lines_inserted(before: str, after: str) -> bool:
    """Return whether after is before with whole lines inserted and nothing else changed."""
    ops = difflib.SequenceMatcher(
        None, before.splitlines(keepends=True), after.splitlines(keepends=True), autojunk=False
    ).get_opcodes()
    return all(tag in ("equal", "insert") for tag, *_ in ops)


_COMMENT = st.sampled_from(["", "  # note", " #x", "\t# tab"])
_BLANKS = st.sampled_from(["", "\n", "\n\n", "# a comment line\n", "   \n", "  # indented\n"])


@st.composite
def _pages(draw: st.DrawFn) -> str:
    """Return a page a person might have edited: comments, blank lines, odd spacing."""
    dash = draw(st.integers(0, 3))
    gap = draw(st.integers(1, 3))
    days = draw(st.lists(st.integers(1, 28), min_size=1, max_size=4, unique=True))
    items = []
    for day in days:
        pad = " " * dash + "-" + " " * gap
        inner = " " * (dash + 1 + gap)
        items.append(
            f"{pad}date: 2025-01-{day:02d}{draw(_COMMENT)}\n{draw(_BLANKS)}"
            f"{inner}source: s{day}.txt\n{inner}line:   {day}{draw(_COMMENT)}\n{draw(_BLANKS)}"
        )
    fields = {
        "title": f"title:   A   title{draw(_COMMENT)}\n",
        "authors": draw(st.sampled_from(["", "authors: [Me]\n", "authors:\n  - Me  # me\n"])),
        "doi": draw(st.sampled_from(["", "doi: 10.9999/own\n"])),
        "listings": f"listings:{draw(_COMMENT)}\n{''.join(items)}",
        "status": draw(st.sampled_from(["", "status: read\n"])),
    }
    order = draw(st.permutations(list(fields)))
    body = "".join(fields[key] + draw(_BLANKS) for key in order)
    return f"---\n{draw(_BLANKS)}{body}---\n\nAbstract  \n\n## Notes\n\n  mine\n"


@settings(max_examples=150, deadline=None)
@given(_pages(), st.lists(st.integers(1, 28), min_size=1, max_size=3))
def test_merge_only_inserts_lines_into_any_page(text: str, days: list[int]) -> None:
    imported = ImportedPaper(
        "abc1234567",
        "T",
        "A.",
        tuple(Listing(f"2025-01-{day:02d}", "new.txt", day) for day in days),
        (),
        (),
        authors=("Ada Lovelace",),
        doi="10.1000/xyz.1",
        published="2025-03-02",
    )
    existing = parse_page(text, "p.md", "p")
    merged = merge_page(text, existing, imported)
    assert merged is not None
    assert _only_lines_inserted(text, merged)
    again = parse_page(merged, "p.md", "p")
    assert set(again.listings) == {*existing.listings, *imported.listings}
    assert again.authors == (existing.authors or imported.authors)
    assert again.doi == (existing.doi or imported.doi)
    assert again.status == existing.status and again.title == existing.title
    assert merge_page(merged, again, imported) is None


def test_import_writes_through_a_symlinked_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "Sparse Attention"
    project = make_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump([(title, long_abstract("attention"))])}
    )
    assert run_cli(capsys, project, "import", "-q")[0] == 0
    page = project / "content" / "papers" / "sparse-attention.md"
    notes = project / "notes" / "sparse.md"  # the reader keeps notes elsewhere in the project
    notes.parent.mkdir()
    notes.write_text(page.read_text(encoding="utf-8") + "My notes.\n", encoding="utf-8")
    page.unlink()
    page.symlink_to(notes)
    (project / "content" / "sources" / "2025-03-13.txt").write_text(
        dump([(title, long_abstract("attention"))], day="Mar 13"), encoding="utf-8"
    )
    assert run_cli(capsys, project, "import", "-q") == (0, "", "")
    assert page.is_symlink() and page.resolve() == notes.resolve()
    text = notes.read_text(encoding="utf-8")
    assert "source: 2025-03-13.txt" in text and text.endswith("My notes.\n")
    assert list(notes.parent.iterdir()) == [notes]


def test_import_warns_about_a_page_it_cannot_merge_and_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "Sparse Attention"
    project = make_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump([(title, long_abstract("attention"))])}
    )
    assert run_cli(capsys, project, "import", "-q")[0] == 0
    page = project / "content" / "papers" / "sparse-attention.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("listings:\n", "listings: &L\n")
    text = text.replace("status: unread\n", "status: unread\nextra:\n  seen: *L\n")
    page.write_text(text, encoding="utf-8")
    (project / "content" / "sources" / "2025-03-13.txt").write_text(
        dump([(title, long_abstract("attention"))], day="Mar 13"), encoding="utf-8"
    )
    code, _, err = run_cli(capsys, project, "import")
    assert code == 0
    assert (
        "warning: content/papers/sparse-attention.md:4: new listings not added: `listings` is a "
        "YAML anchor used elsewhere in the page (or an alias); add them by hand or write the "
        "list out\n"
    ) in err
    assert page.read_text(encoding="utf-8") == text


def test_check_reports_duplicate_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(
        tmp_path,
        {"content/papers/p.md": "---\ntitle: T\nstatus: read\nstatus: unread\n---\n\nA.\n"},
    )
    code, _, err = run_cli(capsys, project, "check")
    assert code == 1
    assert "content/papers/p.md:4: duplicate key `status` (first on line 3)" in err
