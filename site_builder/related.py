"""Related papers from their text: tf-idf over title and abstract, cosine similarity."""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WORD_RE = re.compile(r"[a-z][a-z0-9+]{2,}")
STOP_WORDS = frozenset(
    """about above after again against all also among and any are based been before being below
    between both but can cannot could did does doing done down during each either even every few
    for from further had has have having here how however into its itself just many more most much
    must new not novel now off once one only other our out over own paper papers propose proposed
    same several should show shows since some such than that the their them then there these they
    this those three through thus too two under until use used using very via was way well were
    what when where which while who whom why will with within without would yet you your
    approach approaches method methods results result work works problem problems model models
    learning data existing demonstrate significantly across state art first task tasks""".split()
)
TOP_TERMS = 25
"""Terms kept per paper: its highest-weighted ones; the rest add little and cost much."""
POSTINGS_PER_TERM = 60
"""Papers kept per term: those it weighs most in. Bounds the work at large sizes."""
CHUNK = 1000
"""Papers scored per numpy step: bounds the temporary arrays to a few MB."""
TITLE_REPEAT = 3
"""Title words count this many times."""
TAG_BONUS = 0.02
"""Score added per shared tag, to break near-ties in favour of papers on the same topics."""


def _terms(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")
    return [word for word in _WORD_RE.findall(plain) if word not in STOP_WORDS]


def _vectors(texts: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
    """Return each text's unit tf-idf vector over its top terms (terms in one paper only are dropped)."""
    counts = [Counter(_terms(title) * TITLE_REPEAT + _terms(abstract)) for title, abstract in texts]
    document_frequency: Counter[str] = Counter()
    for terms in counts:
        document_frequency.update(terms.keys())
    total = len(texts)
    too_common = max(2, total // 10)
    vectors = []
    for terms in counts:
        weights = [
            (term, (1 + math.log(tf)) * math.log(total / document_frequency[term]))
            for term, tf in terms.items()
            if 1 < document_frequency[term] <= too_common
        ]
        top = heapq.nsmallest(TOP_TERMS, weights, key=lambda item: (-item[1], item[0]))
        norm = math.sqrt(sum(weight * weight for _, weight in top)) or 1.0
        vectors.append({term: weight / norm for term, weight in top})
    return vectors


def find_related(
    texts: Sequence[tuple[str, str]], tags: Sequence[Sequence[str]], count: int
) -> list[tuple[int, ...]]:
    """Return, for each (title, abstract), the indices of its `count` most similar others.

    Cosine similarity of sparse tf-idf vectors, scored through an inverted index whose lists keep
    only the papers each term weighs most in, so the work grows with the number of papers rather
    than its square. The sparse products run in numpy, a chunk of papers at a time; the best few
    candidates are then re-ranked in Python with a small bonus for shared tags.
    """
    if count <= 0 or len(texts) < 2:
        return [() for _ in texts]
    vectors = _vectors(texts)
    term_ids: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            rows.append(index)
            columns.append(term_ids.setdefault(term, len(term_ids)))
            values.append(weight)
    if not rows:
        return [() for _ in texts]
    row = np.asarray(rows, dtype=np.int64)
    column = np.asarray(columns, dtype=np.int64)
    value = np.asarray(values, dtype=np.float64)
    # Postings: for each term, the papers it weighs most in (ties by paper index).
    order = np.lexsort((row, -value, column))
    by_term = column[order]
    starts = np.searchsorted(by_term, np.arange(len(term_ids)), side="left")
    rank = np.arange(len(order)) - starts[by_term]
    kept = order[rank < POSTINGS_PER_TERM]
    post_term, post_row, post_value = column[kept], row[kept], value[kept]
    post_order = np.argsort(post_term, kind="stable")
    post_term, post_row, post_value = (
        post_term[post_order],
        post_row[post_order],
        post_value[post_order],
    )
    post_start = np.searchsorted(post_term, np.arange(len(term_ids)), side="left")
    post_length = np.bincount(post_term, minlength=len(term_ids))
    total = len(texts)
    candidates = count * 3
    best: list[list[tuple[float, int]]] = [[] for _ in texts]
    entry_start = np.searchsorted(row, np.arange(total + 1), side="left")
    for first in range(0, total, CHUNK):
        last = min(total, first + CHUNK)
        entries = np.arange(entry_start[first], entry_start[last])
        lengths = post_length[column[entries]]
        repeated = np.repeat(entries, lengths)
        offsets = np.arange(len(repeated)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        positions = post_start[column[repeated]] + offsets
        mine, other = row[repeated], post_row[positions]
        keep = mine != other
        pair = (mine[keep] - first) * total + other[keep]
        keys, inverse = np.unique(pair, return_inverse=True)
        scores = np.bincount(inverse, weights=(value[repeated] * post_value[positions])[keep])
        doc, other_doc = keys // total + first, keys % total
        ranked = np.lexsort((other_doc, -scores, doc))
        doc, other_doc, scores = doc[ranked], other_doc[ranked], scores[ranked]
        group_start = np.searchsorted(doc, np.arange(first, last + 1), side="left")
        for index in range(first, last):
            lo, hi = group_start[index - first], group_start[index - first + 1]
            hi = min(hi, lo + candidates)
            best[index] = list(zip(scores[lo:hi].tolist(), other_doc[lo:hi].tolist(), strict=True))
    tag_sets = [frozenset(paper_tags) for paper_tags in tags]
    related: list[tuple[int, ...]] = []
    for index, found in enumerate(best):
        mine_tags = tag_sets[index]
        ranked_found = sorted(
            found,
            key=lambda item: (-(item[0] + TAG_BONUS * len(mine_tags & tag_sets[item[1]])), item[1]),
        )
        related.append(tuple(other for _, other in ranked_found[:count]))
    return related
