"""A paper -> how to reach and cite it: links, Highwire meta tags, Schema.org JSON-LD, BibTeX.

Everything here is a plain link or inert text: the page that shows it requests nothing from
another origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from site_builder.bibtex import render_entry
from site_builder.models import Paper


@dataclass(frozen=True, slots=True)
class PaperLink:
    """A link to the paper somewhere else."""

    label: str
    """What the reader sees: `arXiv`, `PDF`, `Hugging Face`, `DOI`, `Semantic Scholar`, ..."""
    url: str
    """Absolute URL."""


@dataclass(frozen=True, slots=True)
class PaperCitation:
    """What a paper page shows and declares to reach and cite the paper."""

    links: tuple[PaperLink, ...]
    """The paper itself: arXiv abstract, PDF, Hugging Face page, DOI (those known)."""
    searches: tuple[PaperLink, ...]
    """Searches for the exact title, when neither an arXiv id nor a DOI is known."""
    meta: tuple[tuple[str, str], ...]
    """Highwire `citation_*` meta tags as (name, content), in order."""
    json_ld: str
    """Schema.org ScholarlyArticle as JSON, safe to put inside a <script> element."""
    bibtex: str
    """The paper's BibTeX entry."""


def paper_links(paper: Paper) -> tuple[PaperLink, ...]:
    """Return links to the paper from its arXiv id and DOI."""
    links = []
    if paper.arxiv:
        arxiv = quote(paper.arxiv, safe="/.")
        links.append(PaperLink("arXiv", f"https://arxiv.org/abs/{arxiv}"))
        links.append(PaperLink("PDF", f"https://arxiv.org/pdf/{arxiv}"))
        if "/" not in paper.arxiv:  # Hugging Face has pages for new-style ids only
            links.append(PaperLink("Hugging Face", f"https://huggingface.co/papers/{arxiv}"))
    if paper.doi:
        links.append(PaperLink("DOI", f"https://doi.org/{quote(paper.doi, safe='/')}"))
    return tuple(links)


def search_links(title_text: str) -> tuple[PaperLink, ...]:
    """Return searches for the exact title on arXiv, Semantic Scholar and Google Scholar."""
    phrase = quote_plus(f'"{title_text}"')
    return (
        PaperLink("arXiv", f"https://arxiv.org/search/?query={phrase}&searchtype=title"),
        PaperLink("Semantic Scholar", f"https://www.semanticscholar.org/search?q={phrase}"),
        PaperLink("Google Scholar", f"https://scholar.google.com/scholar?q={phrase}"),
    )


def publication_date(paper: Paper) -> str | None:
    """Return the ISO date of a paper: published, else first listed."""
    if paper.published:
        return paper.published
    return paper.dates[0] if paper.dates else None


def highwire_meta(paper: Paper, title_text: str, date: str | None) -> tuple[tuple[str, str], ...]:
    """Return the Highwire Press `citation_*` tags Zotero and Google Scholar read."""
    meta = [("citation_title", title_text)]
    meta += [("citation_author", name) for name in paper.authors]
    if date:
        meta.append(("citation_publication_date", date.replace("-", "/")))
        meta.append(("citation_date", date.replace("-", "/")))
    if paper.venue:
        meta.append(("citation_journal_title", paper.venue))
    if paper.arxiv:
        meta.append(("citation_arxiv_id", paper.arxiv))
        meta.append(("citation_pdf_url", f"https://arxiv.org/pdf/{quote(paper.arxiv, safe='/.')}"))
    if paper.doi:
        meta.append(("citation_doi", paper.doi))
    return tuple(meta)


def script_json(value: object) -> str:
    """Return JSON with `<`, `>` and `&` as \\u escapes: inert inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def scholarly_article(
    paper: Paper,
    title_text: str,
    page_url: str | None,
    date: str | None,
    links: tuple[PaperLink, ...],
) -> dict[str, object]:
    """Return the paper as a Schema.org ScholarlyArticle (keys in a fixed order)."""
    article: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": title_text,
        "headline": title_text,
    }
    if paper.authors:
        article["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if date:
        article["datePublished"] = date
    identifiers = []
    if paper.arxiv:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv})
    if paper.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi})
    if identifiers:
        article["identifier"] = identifiers
    if page_url:
        article["url"] = page_url
    same_as = [link.url for link in links if link.label in ("arXiv", "DOI")]
    if same_as:
        article["sameAs"] = same_as
    if paper.venue:
        article["isPartOf"] = {"@type": "Periodical", "name": paper.venue}
    return article


def bibtex_entry(paper: Paper, title_text: str, page_url: str | None, key: str) -> str:
    """Return the BibTeX entry of a paper: a @misc entry's `url` is the page URL, else the
    arXiv title search (not needed, nor computed, when the paper has an arXiv id or a DOI)."""
    fallback = page_url or ""
    if not (fallback or paper.arxiv or paper.doi):
        fallback = search_links(title_text)[0].url
    return render_entry(paper, key, fallback)


def cite_paper(paper: Paper, title_text: str, page_url: str | None, key: str) -> PaperCitation:
    """Return the links, meta tags, JSON-LD and BibTeX of a paper.

    `page_url` is the paper's absolute URL on the site (None without a base URL); `key` its
    citation key (see bibtex_entry).
    """
    links = paper_links(paper)
    date = publication_date(paper)
    return PaperCitation(
        links=links,
        searches=() if links else search_links(title_text),
        meta=highwire_meta(paper, title_text, date),
        json_ld=script_json(scholarly_article(paper, title_text, page_url, date, links)),
        bibtex=bibtex_entry(paper, title_text, page_url, key),
    )
