"""Related papers from text: the most similar papers come first, deterministically."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from site_builder import related
from site_builder.related import rank_related, similar_papers

TEXTS = [
    ("Diffusion models for image generation", "Denoising diffusion models generate images by reversing a noising process with score networks."),
    ("Faster sampling of diffusion models", "We accelerate denoising diffusion sampling of images with fewer score network evaluations."),
    ("Graph neural networks for molecules", "Message passing graph neural networks predict molecular properties from atoms and bonds."),
    ("Equivariant graph networks", "Equivariant message passing on molecular graphs respects rotations of atoms."),
    ("Mixture of experts routing", "Sparse mixture of experts layers route tokens to a few experts for efficient language models."),
    ("Load balancing in mixture of experts", "Routing tokens evenly across experts improves sparse language models."),
]



def find_related(
    texts: Sequence[tuple[str, str]], tags: Sequence[Sequence[str]], count: int
) -> list[tuple[int, ...]]:
    return rank_related(similar_papers(texts, count), tags, count)


def test_most_similar_papers_come_first() -> None:
    related = find_related(TEXTS, [()] * len(TEXTS), 1)
    assert related == [(1,), (0,), (3,), (2,), (5,), (4,)]


def test_shared_tags_break_near_ties_and_self_is_never_related() -> None:
    tags = [("diffusion",), ("diffusion",), ("graphs",), ("graphs",), ("moe",), ("moe",)]
    related = find_related(TEXTS, tags, 3)
    for index, found in enumerate(related):
        assert index not in found
        assert len(set(found)) == len(found)
    assert related[0][0] == 1


def test_result_is_deterministic() -> None:
    assert find_related(TEXTS, [()] * 6, 3) == find_related(list(TEXTS), [()] * 6, 3)


def test_degenerate_inputs() -> None:
    assert find_related(TEXTS, [()] * 6, 0) == [()] * 6
    assert find_related(TEXTS[:1], [()], 3) == [()]
    assert find_related([("", ""), ("", "")], [(), ()], 3) == [(), ()]


def test_sparse_scores_equal_all_pairs_cosine() -> None:
    """The stepwise sparse product gives what the dense all-pairs product of the same
    vectors gives (no term here is in more than POSTINGS_PER_TERM papers)."""
    texts = TEXTS * 4 + [(f"Paper {i} on experts and graphs", "Routing tokens over molecular graphs.") for i in range(8)]
    paper, term, weight, terms = related._vectors(texts)
    dense = np.zeros((len(texts), terms))
    dense[paper, term] = weight
    cosine = dense @ dense.T
    best = related._best_candidates(paper, term, weight, terms, len(texts), 4)
    for index, found in enumerate(best):
        scores = [(-cosine[index, other], other) for other in range(len(texts)) if other != index and cosine[index, other] > 0]
        expected = sorted(scores)[:4]
        assert [other for _, other in found] == [other for _, other in expected], index
        assert [score for score, _ in found] == pytest.approx([-score for score, _ in expected])


def test_vectors_do_not_depend_on_the_step_size(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = TEXTS * 3 + [(f"Paper {i} on experts and graphs", "Routing tokens over molecular graphs.") for i in range(8)]
    whole = related._vectors(texts)
    monkeypatch.setattr(related, "ENTRIES_PER_STEP", 5)  # a step of one or two papers
    stepped = related._vectors(texts)
    for one, other in zip(whole[:3], stepped[:3], strict=True):
        assert one.tolist() == other.tolist()
    assert whole[3] == stepped[3]
