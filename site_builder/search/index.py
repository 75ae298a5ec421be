"""Papers -> search documents -> lunr.py's postings: which terms each field of each doc holds.

The index is lunr.py's (its Builder, with `siteBuilderTerm` in the pipeline); what ships is
encoded from its term frequencies and field lengths by `site_builder.search.shards`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder

from site_builder.latex import to_html, to_plain_text
from site_builder.models import Paper, Tag
from site_builder.search.terms import reduce_term, register_pipeline_function, tokenize
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


FieldCounts = dict[str, Counter[str]]
"""A document's index terms per field, with their counts in first-seen order."""
TermCache = dict[SearchDoc, tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]]
"""Index terms of documents seen before, compactly: per field (terms, counts). A rebuild after
one edit reduces the words of one document only."""


class _Builder(Builder):  # type: ignore[misc]
    """lunr.py's Builder, with `add` doing what the stock one does for pre-tokenized fields.

    The stock `add` deep-copies token metadata and runs the pipeline per token, which takes
    ~10 s for 10,000 papers; with no metadata whitelisted and the pipeline function memoized
    per distinct word, the same postings, frequencies and lengths come out in a fraction of
    that. tests/test_search.py checks the serialized index equals the stock Builder's.
    """

    def add(self, doc: dict[str, Any], attributes: dict[str, Any] | None = None) -> None:
        counts = {
            name: Counter(term for term in map(reduce_term, doc[name]) if term is not None)
            for name in self._fields
        }
        self.add_counts(str(doc[self._ref]), counts, attributes)

    def add_counts(
        self, doc_ref: str, counts: FieldCounts, attributes: dict[str, Any] | None = None
    ) -> None:
        """Add a document given its index terms per field (what `add` reduces its tokens to).

        Only the vocabulary is kept in `inverted_index` here (in first-seen order, as lunr
        numbers its terms); which documents each term is in is filled in by `build`.
        """
        self._documents[doc_ref] = attributes or {}
        self.document_count += 1
        inverted = self.inverted_index
        for field_name in self._fields:
            field_counts = counts[field_name]
            field_ref = f"{field_name}/{doc_ref}"
            self.field_term_frequencies[field_ref] = field_counts
            self.field_lengths[field_ref] = sum(field_counts.values())
            new = set(field_counts).difference(inverted)
            if new:
                for term in [term for term in field_counts if term in new]:
                    inverted[term] = {name: {} for name in self._fields}
                    inverted[term]["_index"] = self.term_index
                    self.term_index += 1

    def build(self) -> Any:
        """Fill in each term's documents, then build the lunr index as the stock Builder does."""
        for field_ref, field_counts in self.field_term_frequencies.items():
            field_name, doc_ref = field_ref.split("/", 1)
            for term in field_counts:
                self.inverted_index[term][field_name][doc_ref] = {}
        return super().build()


def _fields_of(doc: SearchDoc) -> dict[str, list[str]]:
    return {
        "title": tokenize(doc.title),
        "tags": tokenize(" ".join(doc.tags + doc.tag_ids)),
        "abstract": tokenize(doc.abstract),
        "authors": tokenize(" ".join(doc.authors)),
    }


def _field_counts(doc: SearchDoc) -> FieldCounts:
    return {
        name: Counter(term for term in map(reduce_term, tokens) if term is not None)
        for name, tokens in _fields_of(doc).items()
    }


def build_lunr_builder(
    docs: Sequence[SearchDoc], *, stock: bool = False, cache: TermCache | None = None
) -> Builder:
    """Return a lunr.py Builder with every doc added (ref = position), ready to build().

    With `stock`, use lunr.py's own (slow) `Builder.add`, for tests. A `cache` keeps each
    document's index terms for the next call: only new or edited documents are reduced again.
    """
    pipeline_term = register_pipeline_function()
    builder = Builder() if stock else _Builder()
    builder.pipeline.add(pipeline_term)
    builder.search_pipeline.add(pipeline_term)
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    if stock:
        for position, doc in enumerate(docs):
            builder.add({"id": str(position), **_fields_of(doc)})
        return builder
    known = cache if cache is not None else {}
    fresh: TermCache = {}
    names = [name for name, _ in FIELDS]
    for position, doc in enumerate(docs):
        kept = known.get(doc)
        if kept is None:
            counts = _field_counts(doc)
            kept = tuple((tuple(counts[name]), tuple(counts[name].values())) for name in names)
        else:
            counts = {
                name: Counter(dict(zip(terms, numbers, strict=True)))
                for name, (terms, numbers) in zip(names, kept, strict=True)
            }
        fresh[doc] = kept
        builder.add_counts(str(position), counts)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
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
