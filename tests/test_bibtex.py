"""BibTeX: keys, escaping, and entries parsed back by bibtexparser with titles and authors intact."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors

from site_builder.bibtex import base_key, cite_keys, escape_title, render_bib, render_entry
from site_builder.errors import SourcePos
from site_builder.latex import split_math, to_plain_text
from site_builder.models import Listing, Paper
from site_builder.pages import parse_page

REPO = Path(__file__).resolve().parent.parent

# The inverse of bibtex.escape_text and the case-protecting braces, for the round trip.
_UNESCAPE_RE = re.compile(
    r"\\textbackslash\{\}|\\textbraceleft\{\}|\\textbraceright\{\}|\\textasciitilde\{\}"
    r"|\\textasciicircum\{\}|\\[{}%&#_$]|[{}]"
)
_UNESCAPES = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    "{": "",
    "}": "",
}


def decode_field(value: str) -> str:
    """Return the text a BibTeX title or name field stands for (math kept as `$...$`)."""
    out = []
    for is_math, piece in split_math(value):
        if is_math:
            out.append(re.sub(r"\\([%&#])", r"\1", piece))
        else:
            out.append(_UNESCAPE_RE.sub(lambda m: _UNESCAPES.get(m.group(0), m.group(0)[1:]), piece))
    return "".join(out)


def make_paper(title: str, **fields: object) -> Paper:
    values: dict[str, object] = {
        "id": "0123456789", "slug": "p", "title": title, "abstract": "", "notes": "",
        "listings": (), "code": (), "links": (), "tags": (), "remove_tags": (), "status": "unread",
        "where": SourcePos("content/papers/p.md", 1),
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


def parse_one(text: str) -> dict[str, object]:
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert library.failed_blocks == []
    assert len(library.entries) == 1
    entry = library.entries[0]
    return {"ENTRYTYPE": entry.entry_type, "ID": entry.key, **{k: f.value for k, f in entry.fields_dict.items()}}


def math_meaning(title: str) -> str:
    """Return a title with `\\%`, `\\&`, `\\#` in its math as the plain characters they stand for."""
    return "".join(re.sub(r"\\([%&#])", r"\1", piece) if is_math else piece for is_math, piece in split_math(title))


HOSTILE_TITLES = [
    "Attention Is All You Need",
    "Braces {kept} in {a} title",
    "Unbalanced { brace",
    "Closing } then opening {",
    "100% of A&B's #1 trick_name ~ok ^up $5 and C:\\path\\file",
    "Math $x^{2}_{i}$ and $\\frac{a}{b}$ stay math",
    "Percent in math $50\\%$ and $a%b$ and $a&b$",
    "Unbalanced math $\\frac{a}{b$ becomes text",
    "A lone $ dollar",
    "Dangling backslash at the end \\",
    "@article{evil, title={x}} injection",
    "Jürgen's Schrödinger Bridge: Café, naïve, Łódź and 中文",
    "GPT-4 and LoRA on BERT: $f$-Divergence",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_parse_back_and_round_trip(title: str) -> None:
    paper = make_paper(
        title,
        authors=("Jürgen Schmidhuber", "Barnes and Noble", "Smith, J.", "O'Brien & Sons {Ltd}", "50% Person"),
        arxiv="2501.01234",
    )
    fields = parse_one(render_entry(paper, "schmidhuber2025attention", "https://example.org/p/"))
    assert fields["ID"] == "schmidhuber2025attention"
    assert decode_field(str(fields["title"])) == math_meaning(title)
    assert [decode_field(name) for name in fields["author"]] == list(paper.authors)  # type: ignore[attr-defined]


def test_arxiv_paper_is_an_article_with_eprint() -> None:
    paper = make_paper("Attention Is All You Need", authors=("Ashish Vaswani", "Noam Shazeer"), arxiv="1706.03762")
    entry = render_entry(paper, "vaswani2017attention", "unused")
    assert entry == (
        "@article{vaswani2017attention,\n"
        "  author = {Ashish Vaswani and Noam Shazeer},\n"
        "  title = {Attention Is All You Need},\n"
        "  journal = {arXiv preprint arXiv:1706.03762},\n"
        "  year = {2017},\n"
        "  eprint = {1706.03762},\n"
        "  archivePrefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/1706.03762},\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("venue", "kind", "field"),
    [("NeurIPS 2024", "inproceedings", "booktitle"), ("Proceedings of the ACL", "inproceedings", "booktitle"), ("Nature", "article", "journal")],
)
def test_doi_paper_is_an_article_or_inproceedings(venue: str, kind: str, field: str) -> None:
    paper = make_paper("A Title", authors=("Ada Lovelace",), doi="10.1000/xyz_{1}", venue=venue, published="2024-05-02")
    fields = parse_one(render_entry(paper, "k", "unused"))
    assert fields["ENTRYTYPE"] == kind
    assert fields[field] == venue
    assert fields["doi"] == "10.1000/xyz_%7B1%7D"
    assert fields["year"] == "2024"
    assert fields["url"] == "https://doi.org/10.1000/xyz_{1}".replace("{", "%7B").replace("}", "%7D")


def test_unknown_paper_is_misc_with_the_fallback_url() -> None:
    paper = make_paper("A Title", listings=(Listing("2025-03-12", "a.txt", 1),))
    fields = parse_one(render_entry(paper, "title2025", "https://example.org/papers/a-title/"))
    assert fields == {"ENTRYTYPE": "misc", "ID": "title2025", "title": "A Title", "year": "2025", "url": "https://example.org/papers/a-title/"}


def test_case_protection_braces_words_with_inner_capitals() -> None:
    assert escape_title("LoRA for BERT and GPT-4: Fast $O(n)$ Methods") == "{LoRA} for {BERT} and {GPT-4:} Fast $O(n)$ Methods"


@pytest.mark.parametrize(
    ("fields", "title", "key"),
    [
        ({"authors": ("Jürgen Schmidhuber",), "published": "2025-01-02"}, "The Attention Trick", "schmidhuber2025attention"),
        ({"authors": ("Schmidhuber, J.",), "arxiv": "2412.00001"}, "On $f$-Divergence", "schmidhuber2024fdivergence"),
        ({"authors": ("Ludwig van Beethoven",), "listings": (Listing("2023-01-01", "a.txt", 1),)}, "Ode", "vanbeethoven2023ode"),
        ({"authors": ("Łukasz Kaiser",)}, "Ñandú Models", "kaiserñandu".replace("ñ", "n")),
        ({}, "A Survey", "survey"),
        ({"arxiv": "math/0612849"}, "The of a", "the2006"),
        ({}, "???", "paper"),
    ],
)
def test_base_keys(fields: dict[str, object], title: str, key: str) -> None:
    assert base_key(make_paper(title, **fields), to_plain_text(title)) == key


def test_keys_are_deduplicated_by_paper_id() -> None:
    bases = {"c3": "smith2025deep", "a1": "smith2025deep", "b2": "smith2025deep", "d4": "lee2025wide", "e5": "smith2025deepa"}
    assert cite_keys(bases) == {
        "a1": "smith2025deep-a", "b2": "smith2025deep-b", "c3": "smith2025deep-c",
        "d4": "lee2025wide", "e5": "smith2025deepa",
    }
    many = cite_keys({f"{i:03d}": "x" for i in range(30)})
    assert many["000"] == "x-a" and many["025"] == "x-z" and many["026"] == "x-aa"
    assert len(set(many.values())) == 30


def test_every_bundled_paper_parses_back() -> None:
    papers = [
        parse_page(path.read_text(encoding="utf-8"), f"content/papers/{path.name}", path.stem)
        for path in sorted((REPO / "content" / "papers").glob("*.md"))
    ]
    assert len(papers) >= 369
    keys = cite_keys({paper.id: base_key(paper, to_plain_text(paper.title)) for paper in papers})
    text = render_bib(render_entry(paper, keys[paper.id], f"https://example.org/papers/{paper.slug}/") for paper in papers)
    library = bibtexparser.parse_string(text.decode("utf-8"))
    assert library.failed_blocks == []
    assert [entry.key for entry in library.entries] == [keys[paper.id] for paper in papers]
    assert len(set(keys.values())) == len(papers)
    for paper, entry in zip(papers, library.entries, strict=True):
        assert decode_field(entry.fields_dict["title"].value) == math_meaning(paper.title)
