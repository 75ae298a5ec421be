"""Related papers from their text: tf-idf over title and abstract, cosine similarity."""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

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
    only the papers each term weighs most in: the work grows with the number of papers, not with
    its square. Shared tags break near-ties.
    """
    if count <= 0 or len(texts) < 2:
        return [() for _ in texts]
    vectors = _vectors(texts)
    postings: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings[term].append((weight, index))
    for term, docs in postings.items():
        if len(docs) > POSTINGS_PER_TERM:
            postings[term] = heapq.nlargest(POSTINGS_PER_TERM, docs)
    tag_sets = [frozenset(paper_tags) for paper_tags in tags]
    related: list[tuple[int, ...]] = []
    for index, vector in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for other_weight, other in postings[term]:
                scores[other] += weight * other_weight
        scores.pop(index, None)
        mine = tag_sets[index]
        best = heapq.nsmallest(
            count, scores.items(), key=lambda item: (-(item[1] + TAG_BONUS * len(mine & tag_sets[item[0]])), item[0])
        )
        related.append(tuple(other for other, _ in best))
    return related
