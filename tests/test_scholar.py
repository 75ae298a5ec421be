"""Links to a paper, Highwire meta tags and JSON-LD, by what is known of the paper."""

from __future__ import annotations

import json

import pytest

from site_builder.errors import SourcePos
from site_builder.models import Listing, Paper
from site_builder.scholar import PaperLink, cite_paper, paper_links, script_json, search_links


def make_paper(**fields: object) -> Paper:
    values: dict[str, object] = {
        "id": "0123456789", "slug": "p", "title": "A $\\alpha$-Title", "abstract": "", "notes": "",
        "listings": (Listing("2025-03-12", "a.txt", 1), Listing("2025-03-10", "b.txt", 4)), "code": (),
        "links": (), "tags": (), "remove_tags": (), "status": "unread", "where": SourcePos("content/papers/p.md", 1),
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "links"),
    [
        ({}, []),
        (
            {"arxiv": "2503.01234"},
            [
                ("arXiv", "https://arxiv.org/abs/2503.01234"),
                ("PDF", "https://arxiv.org/pdf/2503.01234"),
                ("Hugging Face", "https://huggingface.co/papers/2503.01234"),
            ],
        ),
        (
            {"arxiv": "math/0612849"},  # old-style id: no Hugging Face page
            [("arXiv", "https://arxiv.org/abs/math/0612849"), ("PDF", "https://arxiv.org/pdf/math/0612849")],
        ),
        ({"doi": "10.1000/a b<c>"}, [("DOI", "https://doi.org/10.1000/a%20b%3Cc%3E")]),
        (
            {"arxiv": "2503.01234", "doi": "10.1000/xyz"},
            [
                ("arXiv", "https://arxiv.org/abs/2503.01234"),
                ("PDF", "https://arxiv.org/pdf/2503.01234"),
                ("Hugging Face", "https://huggingface.co/papers/2503.01234"),
                ("DOI", "https://doi.org/10.1000/xyz"),
            ],
        ),
    ],
)
def test_links_by_what_is_known(fields: dict[str, object], links: list[tuple[str, str]]) -> None:
    paper = make_paper(**fields)
    assert paper_links(paper) == tuple(PaperLink(label, url) for label, url in links)
    cited = cite_paper(paper, "A α-Title", None, "k")
    assert cited.links == paper_links(paper)
    assert bool(cited.searches) == (not links)


def test_search_links_quote_the_exact_title() -> None:
    assert search_links('Hard & "quoted" title?') == (
        PaperLink("arXiv", "https://arxiv.org/search/?query=%22Hard+%26+%22quoted%22+title%3F%22&searchtype=title"),
        PaperLink("Semantic Scholar", "https://www.semanticscholar.org/search?q=%22Hard+%26+%22quoted%22+title%3F%22"),
        PaperLink("Google Scholar", "https://scholar.google.com/scholar?q=%22Hard+%26+%22quoted%22+title%3F%22"),
    )


def test_meta_and_json_ld_of_a_paper_without_authors_or_ids() -> None:
    cited = cite_paper(make_paper(), "A α-Title", None, "title2025")
    assert cited.meta == (
        ("citation_title", "A α-Title"),
        ("citation_publication_date", "2025/03/10"),
        ("citation_date", "2025/03/10"),
    )
    assert json.loads(cited.json_ld) == {
        "@context": "https://schema.org", "@type": "ScholarlyArticle", "name": "A α-Title",
        "headline": "A α-Title", "datePublished": "2025-03-10",
    }
    # @misc without a base URL points at the arXiv title search.
    assert "  url = {https://arxiv.org/search/?query=%22A+%CE%B1-Title%22&searchtype=title},\n" in cited.bibtex


def test_published_date_wins_over_listing_dates() -> None:
    cited = cite_paper(make_paper(published="2024-12-01", venue="Nature"), "T", "https://x.org/papers/p/", "k")
    assert ("citation_publication_date", "2024/12/01") in cited.meta
    assert ("citation_journal_title", "Nature") in cited.meta
    article = json.loads(cited.json_ld)
    assert article["datePublished"] == "2024-12-01"
    assert article["url"] == "https://x.org/papers/p/"
    assert article["isPartOf"] == {"@type": "Periodical", "name": "Nature"}


def test_script_json_cannot_close_its_script() -> None:
    text = script_json({"name": "</script><script>alert(1)</script> <!-- & \u2028\u2029"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> <!-- & \u2028\u2029"}
