"""Readers: each pasted layout detected by content and read into entries; junk refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.errors import SiteError
from site_builder.listings import detect_layout, parse_text, read_listing
from site_builder.models import Entry

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
KNOWN = "bibtex, arxiv-abs, hf-paper, arxiv-listing, hf-trending, hf-daily-cards, hf-daily"
SAE = "Scaling Sparse Autoencoders to Frontier Models"
SAE_AUTHORS = ("Ada Lovelace", "Alan Turing", "Grace Hopper")
SAE_ABSTRACT = (
    "We train sparse autoencoders with up to 16 million latents on the residual stream of a "
    "frontier language model."
)


def _row(entry: Entry) -> tuple[object, ...]:
    return (
        entry.where.line,
        entry.title,
        entry.date,
        entry.published,
        entry.arxiv,
        entry.doi,
        entry.venue,
        entry.authors,
        entry.code,
    )


# file -> (layout, entries as (line, title, date, published, arxiv, doi, venue, authors, code),
# warnings), side by side.
FILE_CASES: dict[str, tuple[str, list[tuple[object, ...]], list[str]]] = {
    "hf_daily_cards.txt": (
        "hf-daily-cards",
        [
            (10, SAE, "2025-03-12", "2025-03-10", None, None, None, (), ()),
            (16, "Tiny Recursive Reasoners", "2025-03-12", "2025-03-11", None, None, None, (), ()),
        ],
        [
            "hf_daily_cards.txt:29: line not understood, skipped: "
            "'Diffusion Forcing for Video World Models'"
        ],
    ),
    "hf_trending.txt": (
        "hf-trending",
        [
            (6, "Memory Layers at Scale", None, "2026-10-04", None, None, None, (), ()),
            (
                15,
                "One-Step Diffusion via Shortcut Models",
                None,
                "2026-09-30",
                None,
                None,
                None,
                (),
                (),
            ),
        ],
        [],
    ),
    "hf_paper.txt": (
        "hf-paper",
        [
            (
                3,
                SAE,
                "2025-03-12",
                "2025-03-10",
                "2503.01234",
                None,
                None,
                SAE_AUTHORS,
                ("https://github.com/example/sae-scaling",),
            )
        ],
        [],
    ),
    "arxiv_new.txt": (
        "arxiv-listing",
        [
            (
                9,
                SAE,
                "2025-03-12",
                None,
                "2503.01234",
                None,
                None,
                SAE_AUTHORS,
                ("https://github.com/example/sae-scaling",),
            ),
            (
                18,
                "A Very Long Title About Learning Rate Warmup That Was Hard-Wrapped by the "
                "Listing at Eighty Columns",
                "2025-03-12",
                None,
                "2503.05678",
                None,
                "Journal of Machine Learning Research 26 (2025) 1-40",
                ("Marie Curie", "Pierre Curie"),
                (),
            ),
            (
                28,
                "Random Walks on Groups",
                "2025-03-12",
                None,
                "math/0612849",
                None,
                None,
                ("Henri Poincaré",),
                (),
            ),
            (
                34,
                "Old Paper Revised",
                "2025-03-12",
                None,
                "2401.00001",
                None,
                None,
                ("Emmy Noether",),
                (),
            ),
        ],
        [],
    ),
    "arxiv_recent.txt": (
        "arxiv-listing",
        [
            (
                4,
                "Graph Transformers Without Positional Encodings",
                "2025-03-14",
                None,
                "2503.09999",
                None,
                None,
                ("Jane Doe", "John Smith"),
                (),
            ),
            (9, SAE, "2025-03-14", None, "2503.01234", None, None, SAE_AUTHORS, ()),
            (
                14,
                "Tokenizer-Free Language Models",
                "2025-03-13",
                None,
                "2503.08888",
                None,
                None,
                ("Noam Chomsky",),
                (),
            ),
        ],
        [],
    ),
    "arxiv_abs.txt": (
        "arxiv-abs",
        [
            (
                6,
                "Attention Is All You Need",
                None,
                "2017-06-12",
                "1706.03762",
                "10.5555/3295222.3295349",
                "Advances in Neural Information Processing Systems 30 (NIPS 2017)",
                ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"),
                (),
            )
        ],
        [],
    ),
    "zotero.bib": (
        "bibtex",
        [
            (
                3,
                SAE,
                None,
                "2025-03-10",
                "2503.01234",
                "10.1234/tmlr.2025.42",
                "Transactions on Machine Learning Research",
                SAE_AUTHORS,
                ("https://github.com/example/sae-scaling",),
            ),
            (
                15,
                "On Formally Undecidable Propositions in Gödel Numbering",
                None,
                None,
                None,
                "10.5555/icml.2024.7",
                "Proceedings of ICML",
                ("Kurt Gödel", "Erwin Schrödinger"),
                (),
            ),
        ],
        [],
    ),
    "scholar.bib": (
        "bibtex",
        [
            (
                1,
                "Attention is all you need",
                None,
                None,
                None,
                None,
                "Advances in neural information processing systems",
                ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"),
                (),
            ),
            (
                9,
                "Adam: A method for stochastic optimization",
                None,
                None,
                "1412.6980",
                None,
                None,
                ("Diederik P Kingma", "Jimmy Ba"),
                (),
            ),
        ],
        ["scholar.bib:15: BibTeX block not understood, skipped: '@misc{broken, title={Unclosed'"],
    ),
    "arxiv.bib": (
        "bibtex",
        [(1, "Old Paper Revised", None, None, "2401.00001", None, None, ("Emmy Noether",), ())],
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_each_layout_is_detected_and_read(name: str) -> None:
    layout, rows, warnings = FILE_CASES[name]
    parsed = read_listing(FIXTURES / name, name, 2025, 2026)
    assert parsed.layout == layout
    assert [_row(entry) for entry in parsed.entries] == rows
    assert list(parsed.warnings) == warnings


def test_abstracts_are_joined_and_cleaned() -> None:
    new = read_listing(FIXTURES / "arxiv_new.txt", "n.txt", 2025, 2026).entries
    assert new[0].abstract == (
        SAE_ABSTRACT.removesuffix(".") + ". We find clean scaling laws relating dictionary size, "
        "sparsity and reconstruction error, and study self-supervised probes of the learned features."
    )
    assert new[3].abstract == "An old paper, replaced with a new version."
    recent = read_listing(FIXTURES / "arxiv_recent.txt", "r.txt", 2025, 2026).entries
    assert [entry.abstract for entry in recent] == ["", "", ""]
    trending = read_listing(FIXTURES / "hf_trending.txt", "t.txt", 2025, 2026).entries
    assert trending[0].abstract == (
        "Trainable key-value memory layers add parameters without adding compute, and outperform "
        "dense models with twice the budget."
    )
    page = read_listing(FIXTURES / "hf_paper.txt", "p.txt", 2025, 2026).entries[0]
    # The AI summary is not the abstract; the highlight's stray space before a comma is gone.
    assert page.abstract == (
        SAE_ABSTRACT.removesuffix(".") + ", and find clean scaling laws relating dictionary size, "
        "sparsity and reconstruction error."
    )


ARXIV_HEADER = (
    "Showing new listings for Friday, 14 March 2025\nNew submissions (showing 1 of 1 entries)\n"
)

# Odd texts -> (layout, rows as (line, title, arxiv, authors, abstract), warnings), side by side.
ODD_CASES: dict[str, tuple[str, str, list[tuple[object, ...]], list[str]]] = {
    "arXiv entry without a title is a warning": (
        ARXIV_HEADER
        + "[1] arXiv:2503.00001 [pdf]\nJane Doe\nSubjects: Machine Learning (cs.LG)\n"
        + "[2] arXiv:2503.00002v3 [pdf]\nTitle: Kept\nJane Doe\nSubjects: Machine Learning (cs.LG)\nText.\n",
        "arxiv-listing",
        [(6, "Kept", "2503.00002", ("Jane Doe",), "Text.")],
        ["x.txt:3: arXiv entry 2503.00001 without a `Title:` line, skipped"],
    ),
    "arXiv entry repeated in one paste counts once; single author after a wrapped title": (
        ARXIV_HEADER
        + "[1] arXiv:2503.00003 [pdf]\nTitle: A Title Long Enough To Have Been Wrapped By The Listing\n"
        + "Itself\nJane Doe\nSubjects: Machine Learning (cs.LG)\n"
        + "[2] arXiv:2503.00003 [pdf]\nTitle: A Title Long Enough To Have Been Wrapped By The Listing\n"
        + "Itself\nJane Doe\nSubjects: Machine Learning (cs.LG)\n",
        "arxiv-listing",
        [
            (
                3,
                "A Title Long Enough To Have Been Wrapped By The Listing Itself",
                "2503.00003",
                ("Jane Doe",),
                "",
            )
        ],
        [],
    ),
    "hard-wrapped: a full title line, then names wrapped between a first and a last name": (
        ARXIV_HEADER
        + "[1] arXiv:2503.00006 [pdf]\n"
        + "Title: On the Provable Advantage of Faster Optimization Using a Cheaper Proxy\n"
        + "Grace Turing, Henri Noether, Wei Turing, Ada Godel, Grace Lovelace, Alan\n"
        + "Kovalevskaya, Emmy Noether\n"
        + "Subjects: Machine Learning (cs.LG)\n"
        + "We show that a cheaper proxy objective can be optimised faster than the true one\n"
        + "and still reach its minimisers.\n",
        "arxiv-listing",
        [
            (
                3,
                "On the Provable Advantage of Faster Optimization Using a Cheaper Proxy",
                "2503.00006",
                (
                    "Grace Turing",
                    "Henri Noether",
                    "Wei Turing",
                    "Ada Godel",
                    "Grace Lovelace",
                    "Alan Kovalevskaya",
                    "Emmy Noether",
                ),
                "We show that a cheaper proxy objective can be optimised faster than the true "
                "one and still reach its minimisers.",
            )
        ],
        [],
    ),
    "arXiv abstract page without descriptors, in a file with CRLF": (
        "arXiv:2503.00007 (cs)\r\n[Submitted on 3 Mar 2025]\r\nA Plain Title\r\n"
        "Jane Doe, John Smith\r\nThe abstract.\r\nSubjects:\r\nMachine Learning (cs.LG)\r\n",
        "arxiv-abs",
        [(3, "A Plain Title", "2503.00007", ("Jane Doe", "John Smith"), "The abstract.")],
        [],
    ),
    "CRLF, a BOM and spaces around lines in a daily card page": (
        "\ufeffDaily Papers\r\n  Mar 12, 2025  \r\n\r\n3\r\n  Spaced   Out Title  \r\n"
        "An abstract with  spaces.\r\nSome Org\r\n·\r\nMar 11, 2025\r\n",
        "hf-daily-cards",
        [(5, "Spaced Out Title", None, (), "An abstract with spaces.")],
        [],
    ),
    "a card without abstract is kept with a warning": (
        "Daily Papers\n5\nOnly A Title\n2 authors\n·\nMar 11, 2025\n",
        "hf-daily-cards",
        [(3, "Only A Title", None, (), "")],
        ["x.txt:3: card without an abstract: 'Only A Title'"],
    ),
    "HF paper page with only an AI summary": (
        "arxiv:2503.00004v2\nA Title\nPublished on Mar 3\nAuthors:\nJane Doe\nAbstract\n"
        "AI-generated summary\nShort summary.\nView arXiv page\n",
        "hf-paper",
        [(2, "A Title", "2503.00004", ("Jane Doe",), "")],
        ["x.txt:2: only an AI summary, no abstract"],
    ),
    "HF paper page: a line it does not know is a warning": (
        "arxiv:2503.00005\nA Title\nSurprise banner\nAbstract\nThe abstract.\n",
        "hf-paper",
        [(2, "A Title", "2503.00005", (), "The abstract.")],
        ["x.txt:3: line not understood, skipped: 'Surprise banner'"],
    ),
}


@pytest.mark.parametrize("case", sorted(ODD_CASES))
def test_oddities(case: str) -> None:
    text, layout, rows, warnings = ODD_CASES[case]
    parsed = parse_text(text, "x.txt", 2025)
    assert parsed.layout == layout
    assert [(e.where.line, e.title, e.arxiv, e.authors, e.abstract) for e in parsed.entries] == rows
    assert list(parsed.warnings) == warnings


@pytest.mark.parametrize(
    ("name", "line", "shown"),
    [
        ("readme.md", 1, "# sparse-tools"),
        ("readme_citation.md", 1, "# sae-scaling"),
        ("data.csv", 1, "id,title,year,venue"),
        ("script.py", 1, '"""Fetch the papers of the day."""'),
    ],
)
def test_junk_is_refused_naming_the_first_block_and_the_layouts(
    name: str, line: int, shown: str
) -> None:
    with pytest.raises(SiteError) as caught:
        read_listing(FIXTURES / name, name, 2025, 2026)
    assert str(caught.value) == (
        f"{name}:{line}: not a listing in any known layout: cannot read {shown!r} as a paper "
        f"(known layouts: {KNOWN})"
    )


def test_prose_without_markdown_is_refused() -> None:
    text = (
        "We met on Tuesday to plan the reading group.\n"
        "Everyone agreed to read two papers each week and to write short notes.\n"
        "Next time we start with diffusion models.\n"
    )
    assert detect_layout(text) is None
    with pytest.raises(SiteError) as caught:
        parse_text(text, "notes.txt", 2025)
    assert str(caught.value).startswith(
        "notes.txt:1: not a listing in any known layout: cannot read "
        "'We met on Tuesday to plan the reading group.' as a paper"
    )
