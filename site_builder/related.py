"""Related papers from their text: tf-idf over title and abstract, cosine similarity."""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from site_builder.textfold import ASCII_WORD_CHARS, ascii_fold, ascii_splitter

_NOT_WORD = ascii_splitter(ASCII_WORD_CHARS + "+")
_NOT_FIRST = "0123456789+"
"""Characters a word does not start with: a word is a letter and at least two of [a-z0-9+]."""
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
ENTRIES_PER_STEP = 1_000_000
"""(paper, distinct term) entries weighed in one step at most: bounds its temporary arrays."""
PRODUCTS_PER_STEP = 4_000_000
"""Term products of a step at most: bounds its temporary arrays to ~100 MB."""
TITLE_REPEAT = 3
"""Title words count this many times."""
TAG_BONUS = 0.02
"""Score added per shared tag, to break near-ties in favour of papers on the same topics."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def _terms(text: str) -> list[str]:
    # The words of each run of [a-z0-9+] (all of it from its first letter) less the stop words.
    runs = ascii_fold(text).translate(_NOT_WORD).split()
    return [
        word
        for word in (run.lstrip(_NOT_FIRST) for run in runs)
        if len(word) > 2 and word not in STOP_WORDS
    ]


def _group_starts(sorted_keys: Ints, groups: int) -> Ints:
    """Return where each group 0..groups-1 starts in ascending keys (and the end as the last)."""
    return np.searchsorted(sorted_keys, np.arange(groups + 1), side="left").astype(np.int64)


def _rank_in_group(keys: Ints, starts: Ints) -> Ints:
    """Return each entry's position within its group, for keys sorted by group."""
    return np.arange(len(keys), dtype=np.int64) - starts[keys]


def _vectors(texts: Sequence[tuple[str, str]]) -> tuple[Ints, Ints, Floats, int]:
    """Return each text's unit tf-idf vector over its top terms as (paper, term, weight) entries,
    sorted by paper, and the number of terms. Terms in one paper only, or in more than a tenth
    of them, are dropped; ties between equal weights go to the alphabetically first term.

    Term frequencies are counted per paper into compact arrays (one entry per distinct term of
    a paper, never one per word), then weighed and cut to the top terms a step of papers at a
    time, so memory stays a few bytes per entry.
    """
    vocabulary: defaultdict[str, int] = defaultdict(lambda: len(vocabulary))
    found_terms, frequencies, sizes = array("i"), array("i"), array("q")
    for title, abstract in texts:
        counts = Counter(_terms(abstract))
        for word in _terms(title):
            counts[word] += TITLE_REPEAT
        found_terms.extend(map(vocabulary.__getitem__, counts))  # a new word gets the next number
        frequencies.extend(counts.values())
        sizes.append(len(counts))
    total, terms = len(texts), len(vocabulary)
    if not found_terms:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), 0
    # Term ids in alphabetical order, so that sorting by id breaks weight ties by term.
    alphabetical = np.empty(terms, dtype=np.int32)
    alphabetical[np.argsort(np.array(list(vocabulary), dtype=object))] = np.arange(terms)
    all_terms = alphabetical[np.frombuffer(found_terms, dtype=np.int32)]
    del found_terms
    all_tf = np.frombuffer(frequencies, dtype=np.int32)
    df = np.bincount(all_terms, minlength=terms)
    useful = (df > 1) & (df <= max(2, total // 10))
    counts_per_paper = np.frombuffer(sizes, dtype=np.int64)
    ends = np.cumsum(counts_per_paper)
    parts: list[tuple[Ints, Ints, Floats]] = []
    first = 0
    while first < total:
        start = int(ends[first] - counts_per_paper[first])
        last = max(first + 1, int(np.searchsorted(ends, start + ENTRIES_PER_STEP, side="right")))
        stop = int(ends[last - 1])
        paper = np.repeat(np.arange(first, last, dtype=np.int64), counts_per_paper[first:last])
        term = all_terms[start:stop].astype(np.int64)
        tf = all_tf[start:stop]
        keep = useful[term]
        paper, term, tf = paper[keep], term[keep], tf[keep]
        weight = (1 + np.log(tf)) * np.log(total / df[term])
        # The TOP_TERMS heaviest terms of each paper.
        order = np.lexsort((term, -weight, paper))
        paper, term, weight = paper[order], term[order], weight[order]
        top = _rank_in_group(paper - first, _group_starts(paper - first, last - first)) < TOP_TERMS
        parts.append((paper[top], term[top], weight[top]))
        first = last
    paper = np.concatenate([part[0] for part in parts])
    term = np.concatenate([part[1] for part in parts])
    weight = np.concatenate([part[2] for part in parts])
    norms = np.sqrt(np.bincount(paper, weights=weight * weight, minlength=total))
    return paper, term, weight / norms[paper], terms


def _postings(term: Ints, paper: Ints, weight: Floats, terms: int) -> tuple[Ints, Ints, Floats]:
    """Return, per term, the POSTINGS_PER_TERM papers it weighs most in (ties by paper) as
    (start of each term's list, papers, weights), grouped by term."""
    order = np.lexsort((paper, -weight, term))
    term, paper, weight = term[order], paper[order], weight[order]
    keep = _rank_in_group(term, _group_starts(term, terms)) < POSTINGS_PER_TERM
    term, paper, weight = term[keep], paper[keep], weight[keep]
    return _group_starts(term, terms), paper, weight


def _best_candidates(
    paper: Ints, term: Ints, weight: Floats, terms: int, total: int, wanted: int
) -> list[list[tuple[float, int]]]:
    """Return, per paper, its `wanted` best-scoring others as (score, index), best first.

    Scores are a sparse product (scipy.sparse, in C): each paper's top-term vector times the
    postings of those terms, in steps of papers. Only pairs that share a term are ever held,
    so time and memory grow with the papers, not with their square.
    """
    # Imported here: scipy takes a third of a second to import, which only the process finding
    # related papers (a child, in a large build) should spend.
    from scipy.sparse import csr_matrix

    post_start, post_paper, post_weight = _postings(term, paper, weight, terms)
    post_term = np.repeat(np.arange(terms, dtype=np.int64), np.diff(post_start))
    vectors = csr_matrix((weight, (paper, term)), shape=(total, terms))
    postings = csr_matrix((post_weight, (post_term, post_paper)), shape=(terms, total))
    step = max(1, PRODUCTS_PER_STEP // (TOP_TERMS * POSTINGS_PER_TERM))
    wanted = min(wanted, total - 1)
    best: list[list[tuple[float, int]]] = []
    for first in range(0, total, step):
        last = min(total, first + step)
        scores = (vectors[first:last] @ postings).tocsr()
        indptr, others, values = scores.indptr, scores.indices, scores.data
        for row in range(last - first):
            lo, hi = int(indptr[row]), int(indptr[row + 1])
            other = others[lo:hi]
            value = values[lo:hi]
            keep = (value > 0.0) & (other != first + row)  # a paper is not its own relative
            other, value = other[keep], value[keep]
            if len(value) > wanted:
                # The wanted-th best score; ties with it are kept and broken by index below.
                threshold = np.partition(value, len(value) - wanted)[len(value) - wanted]
                near = value >= threshold
                other, value = other[near], value[near]
            ranked = np.lexsort((other, -value))[:wanted]
            best.append(list(zip(value[ranked].tolist(), other[ranked].tolist(), strict=True)))
    return best


Candidates = list[list[tuple[float, int]]]
"""Per paper, its best-scoring others as (score, index), best first."""


def similar_papers(texts: Sequence[tuple[str, str]], count: int) -> Candidates:
    """Return, for each (title, abstract), the candidates for its `count` related papers.

    Cosine similarity of sparse tf-idf vectors, scored through an inverted index whose lists keep
    only the papers each term weighs most in, all in numpy. Tags play no part here (see
    `rank_related`), so this can run before the papers are tagged.
    """
    if count <= 0 or len(texts) < 2:
        return [[] for _ in texts]
    paper, term, weight, terms = _vectors(texts)
    if not len(paper):
        return [[] for _ in texts]
    return _best_candidates(paper, term, weight, terms, len(texts), count * 3)


def rank_related(
    candidates: Candidates, tags: Sequence[Sequence[str]], count: int
) -> list[tuple[int, ...]]:
    """Return the indices of each paper's `count` related papers: its candidates re-ranked with
    a small bonus for shared tags."""
    tag_sets = [frozenset(paper_tags) for paper_tags in tags]
    related: list[tuple[int, ...]] = []
    for index, found in enumerate(candidates):
        mine_tags = tag_sets[index]
        ranked_found = sorted(
            found,
            key=lambda item: (-(item[0] + TAG_BONUS * len(mine_tags & tag_sets[item[1]])), item[1]),
        )
        related.append(tuple(other for _, other in ranked_found[:count]))
    return related
