"""Search documents -> the postings that ship: each term's documents per field, as text.

A posting is `gap.length` (`gap.length.tf` when the term occurs more than once), base 36: the
document's number as the gap to the previous posting's, the field's length in that document
and the term's frequency there, all that lunr.Builder's BM25 needs (the corpus-wide figures,
document count and total field lengths, ship apart in `meta.js`). `build_postings` makes them
for all documents; `update_postings` edits those of the previous build where documents
changed, so a rebuild after one edit works in proportion to the edit, with the same result.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple, cast

import numpy as np

from site_builder.search.index import FIELDS, SearchDoc, fields_of
from site_builder.search.terms import js_sort_key, reduce_term

FieldTerms = tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]
"""A document's index terms per field (FIELDS order): (terms in first-seen order, counts)."""

_CHUNK = 1 << 18
"""Postings turned into text at a time by build_postings (bounds its memory)."""
_CHUNK_DOCS = 4096
"""Documents whose words are held at a time by build_postings."""
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_NONE = np.zeros(0, dtype=np.int64)


class TermPostings(NamedTuple):
    """One term's postings."""

    fields: tuple[str, ...]
    """Comma-separated postings per field (FIELDS order), docs ascending; `""` for none."""
    df: int
    """Postings over all fields (lunr's count of documents with the term, for its idf)."""
    size: int
    """Characters the term takes in a postings shard."""


@dataclass(frozen=True, slots=True)
class Postings:
    """The postings of some documents, and what an edit of them needs."""

    docs: tuple[SearchDoc, ...]
    """The documents, numbered by position."""
    terms: tuple[str, ...]
    """Every term, in JavaScript order."""
    postings: dict[str, TermPostings]
    """Each term's postings."""
    field_lengths: tuple[int, ...]
    """Total length of each field over all documents (lunr's average field length times n)."""


def base36(number: int) -> str:
    """Return a non-negative number in base 36, lowercase."""
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if number == 0:
            return out


def field_terms(doc: SearchDoc) -> FieldTerms:
    """Return the index terms of each field of a document, with their counts."""
    out = []
    for tokens in fields_of(doc).values():
        counts = Counter(map(reduce_term, tokens))
        counts.pop(None, None)  # stop words
        terms = cast(Counter[str], counts)
        out.append((tuple(terms), tuple(terms.values())))
    return tuple(out)


def _term_postings(term: str, fields: tuple[str, ...]) -> TermPostings:
    df = sum(text.count(",") + 1 for text in fields if text)
    return TermPostings(fields, df, len(term) + sum(map(len, fields)) + len(fields))


def build_postings(docs: Sequence[SearchDoc]) -> Postings:
    """Return the postings of the documents."""
    count = len(docs)
    number_of: dict[str, int] = {}  # term -> number, first seen first (renumbered below)
    term_of_word: dict[str, int] = {}  # folded word -> its term's number, -1 for a stop word
    found: list[list[tuple[np.ndarray, ...]]] = [[] for _ in FIELDS]
    for begin in range(0, count, _CHUNK_DOCS):
        words = [list(fields_of(doc).values()) for doc in docs[begin : begin + _CHUNK_DOCS]]
        for f, field in enumerate(found):
            flat = list(chain.from_iterable(fields[f] for fields in words))
            for word in set(flat).difference(term_of_word):
                term = reduce_term(word)
                term_of_word[word] = (
                    -1 if term is None else number_of.setdefault(term, len(number_of))
                )
            numbers = np.fromiter(map(term_of_word.__getitem__, flat), np.int64, len(flat))
            positions = np.repeat(np.arange(len(words)), [len(fields[f]) for fields in words])
            kept = numbers >= 0
            # One posting per (term, doc) of the chunk, with its count: the term frequency.
            pairs, tfs = np.unique(numbers[kept] * len(words) + positions[kept], return_counts=True)
            numbers, positions = np.divmod(pairs, len(words))
            doc_lengths = np.bincount(positions, weights=tfs, minlength=len(words))
            field.append(
                (
                    numbers.astype(np.int32),
                    (positions + begin).astype(np.int32),
                    tfs.astype(np.int32),
                    doc_lengths.astype(np.int64),
                )
            )
    del term_of_word
    terms = tuple(sorted(number_of, key=js_sort_key))
    rank = np.empty(len(terms), dtype=np.int64)
    rank[np.fromiter(map(number_of.__getitem__, terms), np.int64, len(terms))] = np.arange(
        len(terms)
    )
    del number_of
    lengths = [np.concatenate([part[3] for part in field] or [_NONE]) for field in found]
    longest = max([count, *(int(field.max(initial=0)) for field in lengths)])
    table = [base36(number) for number in range(longest + 2)]
    columns: list[list[str]] = []
    dfs = np.zeros(len(terms), dtype=np.int64)
    for field, field_lengths in zip(found, lengths, strict=True):
        # The field's postings ordered by term then doc, as one sorted array of numbers.
        top = max((int(part[2].max(initial=0)) for part in field), default=0) + 1
        order = np.concatenate(
            [
                (rank[numbers] * count + positions) * top + tfs
                for numbers, positions, tfs, _ in field
            ]
            or [_NONE]
        )
        field.clear()
        order.sort()
        rest, tfs = np.divmod(order, top)
        del order
        numbers, positions = np.divmod(rest, max(count, 1))
        del rest
        dfs += np.bincount(numbers, minlength=len(terms))
        columns.append(_encode_field(numbers, positions, tfs, field_lengths, table, len(terms)))
        del numbers, positions, tfs
    sizes = np.fromiter(map(len, terms), np.int64, len(terms)) + len(FIELDS)
    for column in columns:
        sizes += np.fromiter(map(len, column), np.int64, len(terms))
    postings = dict(
        zip(
            terms,
            map(TermPostings, zip(*columns, strict=True), dfs.tolist(), sizes.tolist()),
            strict=True,
        )
    )
    return Postings(tuple(docs), terms, postings, tuple(int(field.sum()) for field in lengths))


def _encode_field(
    terms: np.ndarray,
    docs: np.ndarray,
    tfs: np.ndarray,
    lengths: np.ndarray,
    table: list[str],
    count: int,
) -> list[str]:
    """Return one field's postings text for each of `count` terms, given its postings ordered
    by term then doc: term number, doc, tf; the field's length in each doc; and the base-36
    text of every number these can be."""
    per_term = np.bincount(terms, minlength=count)
    bounds = np.concatenate(([0], np.cumsum(per_term))).tolist()
    gaps = np.diff(docs, prepend=-1)  # the first of each term's: set below
    starts = np.asarray(bounds[:-1], dtype=np.int64)[per_term > 0]
    gaps[starts] = docs[starts] + 1
    tails = ["." + table[length] for length in lengths.tolist()]
    out: list[str] = []
    term = 0
    while term < count:
        # A run of whole terms, about _CHUNK postings: their texts are made at once.
        first = bounds[term]
        stop_term = max(bisect.bisect_right(bounds, first + _CHUNK, lo=term + 1) - 1, term + 1)
        stop = bounds[stop_term]
        texts = list(
            map(
                str.__add__,
                map(table.__getitem__, gaps[first:stop].tolist()),
                map(tails.__getitem__, docs[first:stop].tolist()),
            )
        )
        run_tfs = tfs[first:stop]
        for i in np.flatnonzero(run_tfs > 1).tolist():
            texts[i] += "." + table[int(run_tfs[i])]
        out.extend(
            ",".join(texts[bounds[t] - first : bounds[t + 1] - first])
            for t in range(term, stop_term)
        )
        term = stop_term
    return out


def update_postings(previous: Postings, docs: Sequence[SearchDoc]) -> Postings:
    """Return the postings of the documents, edited from the previous build's: the same as
    build_postings(docs). Only the terms of the documents that changed are touched, unless
    the documents after them move (a document added or removed before others): then all."""
    docs = tuple(docs)
    old = previous.docs
    same = min(len(old), len(docs))
    start = 0
    while start < same and old[start] == docs[start]:
        start += 1
    end = 0
    while end < same - start and old[-1 - end] == docs[-1 - end]:
        end += 1
    old_region = old[start : len(old) - end]
    new_region = docs[start : len(docs) - end]
    if (len(old) != len(docs) and end) or len(old_region) + len(new_region) > max(
        64, len(docs) // 8
    ):
        return build_postings(docs)
    if not old_region and not new_region:
        return previous
    old_terms = [field_terms(doc) for doc in old_region]
    new_terms = [field_terms(doc) for doc in new_region]
    fresh: dict[str, list[list[tuple[int, int, int]]]] = {}
    for position, doc_terms in enumerate(new_terms, start):
        for f, (field_terms_, counts) in enumerate(doc_terms):
            length = sum(counts)
            for term, count in zip(field_terms_, counts, strict=True):
                fresh.setdefault(term, [[] for _ in FIELDS])[f].append((position, length, count))
    gone = {term for doc_terms in old_terms for words, _ in doc_terms for term in words}
    postings = dict(previous.postings)
    empty = ("",) * len(FIELDS)
    removed: set[str] = set()
    for term in gone.union(fresh):
        kept = postings.get(term)
        replacing = fresh.get(term, [[] for _ in FIELDS])
        fields = tuple(
            _splice(text, start, start + len(old_region), entries)
            for text, entries in zip(kept.fields if kept else empty, replacing, strict=True)
        )
        if fields == empty:
            removed.add(term)
            del postings[term]
        else:
            postings[term] = _term_postings(term, fields)
    added = [term for term in fresh if term not in previous.postings]
    terms = previous.terms
    if removed or added:
        listed = [term for term in terms if term not in removed] if removed else list(terms)
        for term in added:
            bisect.insort(listed, term, key=js_sort_key)
        terms = tuple(listed)
    totals = [
        total
        - sum(sum(doc_terms[f][1]) for doc_terms in old_terms)
        + sum(sum(doc_terms[f][1]) for doc_terms in new_terms)
        for f, total in enumerate(previous.field_lengths)
    ]
    return Postings(docs, terms, postings, tuple(totals))


def _splice(text: str, start: int, stop: int, fresh: Sequence[tuple[int, int, int]]) -> str:
    """Return postings text with those of the docs in [start, stop) replaced by `fresh`
    (doc, field length, tf), docs ascending; the docs from `stop` on keep their numbers."""
    if not text and not fresh:
        return text
    entries = text.split(",") if text else []
    count = len(entries)
    doc = -1
    i = 0
    while i < count:
        gap = int(entries[i].partition(".")[0], 36)
        if doc + gap >= start:
            break
        doc += gap
        i += 1
    at = doc
    j = i
    while j < count:
        at += int(entries[j].partition(".")[0], 36)
        if at >= stop:
            break
        j += 1
    out = entries[:i]
    last = doc
    for position, length, tf in fresh:
        posting = f"{base36(position - last)}.{base36(length)}"
        out.append(posting if tf == 1 else f"{posting}.{base36(tf)}")
        last = position
    if j < count:
        tail = entries[j]
        out.append(base36(at - last) + tail[tail.index(".") :])
        out += entries[j + 1 :]
    return ",".join(out)
