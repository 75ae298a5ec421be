"""Related papers from their text: tf-idf over title and abstract, cosine similarity."""

from __future__ import annotations

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
    what when where whether which while who whom why will with within without would yet you your
    approach approaches method methods results result work works problem problems model models
    learning data existing demonstrate significantly across state art first task tasks""".split()
)
TOP_TERMS = 30
"""Terms kept per paper: its highest-weighted ones; the rest add little and cost much."""
TITLE_REPEAT = 3
"""Title words count this many times."""


def _terms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [word for word in _WORD_RE.findall(plain) if word not in STOP_WORDS]


def find_related(
    texts: Sequence[tuple[str, str]], tags: Sequence[Sequence[str]], count: int
) -> list[tuple[int, ...]]:
    """Return, for each (title, abstract), the indices of its `count` most similar others.

    Sparse tf-idf vectors truncated to their top terms, scored through an inverted index, so the
    cost grows with shared rare terms rather than with every pair of papers. Shared tags break ties.
    """
    if count <= 0 or len(texts) < 2:
        return [() for _ in texts]
    counts = [Counter(_terms(title) * TITLE_REPEAT + _terms(abstract)) for title, abstract in texts]
    document_frequency: Counter[str] = Counter()
    for terms in counts:
        document_frequency.update(terms.keys())
    total = len(texts)
    too_common = max(2, total // 10)
    vectors: list[dict[str, float]] = []
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, terms in enumerate(counts):
        weights = {
            term: (1 + math.log(tf)) * math.log(total / document_frequency[term])
            for term, tf in terms.items()
            if 1 < document_frequency[term] <= too_common
        }
        top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:TOP_TERMS]
        norm = math.sqrt(sum(weight * weight for _, weight in top)) or 1.0
        vector = {term: weight / norm for term, weight in top}
        vectors.append(vector)
        for term, weight in vector.items():
            postings[term].append((index, weight))
    related: list[tuple[int, ...]] = []
    tag_sets = [frozenset(paper_tags) for paper_tags in tags]
    for index, vector in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for other, other_weight in postings[term]:
                if other != index:
                    scores[other] += weight * other_weight
        ranked = sorted(
            scores.items(),
            key=lambda item: (-(item[1] + 0.02 * len(tag_sets[index] & tag_sets[item[0]])), item[0]),
        )
        related.append(tuple(other for other, _ in ranked[:count]))
    return related
