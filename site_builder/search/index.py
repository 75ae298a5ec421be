"""Papers -> search documents: the fields the search indexes, and lunr.py's index of them.

What ships is lunr.py's index (its Builder, with `siteBuilderTerm` in the pipeline) in another
form: `site_builder.search.postings` computes its term frequencies and field lengths directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lunr.builder import Builder

from site_builder.latex import to_html, to_plain_text
from site_builder.models import Paper, Tag
from site_builder.search.terms import register_pipeline_function, tokenize
from site_builder.site import paper_order

FIELDS: tuple[tuple[str, int], ...] = (("title", 10), ("tags", 5), ("abstract", 1), ("authors", 5))
"""Indexed fields and their lunr boosts. Authors are a field of their own, so a name query
finds the papers by that person (each word must match, so name order does not matter)."""


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One paper as the search sees it."""

    url: str
    """Site-relative URL of the paper page, e.g. `papers/some-slug/` (no leading slash)."""
    title: str
    """Plain-text title, math already turned into readable text."""
    title_html: str
    """Title as safe HTML: escaped text and MathML `<math>` elements."""
    tags: tuple[str, ...]
    """Tag labels, e.g. `("Diffusion models", "LLMs")`."""
    tag_ids: tuple[str, ...]
    """Tag ids, parallel to `tags`, e.g. `("diffusion", "llm")`."""
    date: str
    """ISO date of the latest listing, or `""`."""
    abstract: str
    """Plain-text abstract."""
    authors: tuple[str, ...] = ()
    """Author names, e.g. `("Jürgen Schmidhuber",)`."""


def fields_of(doc: SearchDoc) -> dict[str, list[str]]:
    """Return the words of each field of a document (FIELDS order), before term reduction."""
    return {
        "title": tokenize(doc.title),
        "tags": tokenize(" ".join(doc.tags + doc.tag_ids)),
        "abstract": tokenize(doc.abstract),
        "authors": tokenize(" ".join(doc.authors)),
    }


def build_lunr_builder(docs: Sequence[SearchDoc]) -> Builder:
    """Return lunr.py's Builder with every doc added (ref = position), ready to build(): the
    index the shipped postings are checked against."""
    pipeline_term = register_pipeline_function()
    builder = Builder()
    builder.pipeline.add(pipeline_term)
    builder.search_pipeline.add(pipeline_term)
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    for position, doc in enumerate(docs):
        builder.add({"id": str(position), **fields_of(doc)})
    return builder


def search_docs(
    papers: Sequence[Paper], paper_tags: Mapping[str, Sequence[str]], taxonomy: Sequence[Tag]
) -> list[SearchDoc]:
    """Return the search documents of the papers, in the site's order (newest listing first)."""
    labels = {tag.id: tag.label for tag in taxonomy}
    docs = []
    for paper in sorted(papers, key=paper_order):
        tag_ids = tuple(tag for tag in paper_tags[paper.id] if tag in labels)
        dates = paper.dates
        docs.append(
            SearchDoc(
                url=f"papers/{paper.slug}/",
                title=to_plain_text(paper.title),
                title_html=to_html(paper.title),
                tags=tuple(labels[tag] for tag in tag_ids),
                tag_ids=tag_ids,
                date=dates[-1] if dates else "",
                abstract=to_plain_text(paper.abstract),
                authors=tuple(paper.authors),
            )
        )
    return docs
