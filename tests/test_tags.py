"""The taxonomy, automatic tagging, the reader's own tag changes, coverage on the bundled seeds."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import REPO, copy_seeds, make_project, run_cli

from site_builder.errors import SiteError, SourcePos
from site_builder.models import Paper, Tag
from site_builder.pages import parse_page
from site_builder.tags import (
    build_tagger,
    count_matches,
    final_tags,
    match_tags,
    parse_taxonomy,
    tag_papers,
)

TAXONOMY = """\
# comment
diffusion:
  label: Diffusion models
  description: Denoising diffusion.
  match: [diffusion, score-based, DDPM]
graphs:
  label: Graphs
  description: Graph learning.
  match: [graph neural network, GNN, message passing]
optimizers:
  label: Optimizers
  description: Training.
  match: [Adam, precondition*]
"""


def test_parse_taxonomy() -> None:
    tags = parse_taxonomy(TAXONOMY, "content/tags.yml")
    assert [tag.id for tag in tags] == ["diffusion", "graphs", "optimizers"]
    assert tags[0] == Tag(
        "diffusion",
        "Diffusion models",
        "Denoising diffusion.",
        ("diffusion", "score-based", "DDPM"),
        SourcePos("content/tags.yml", 2),
    )


def test_bundled_taxonomy_has_at_least_20_tags() -> None:
    tags = parse_taxonomy(
        (REPO / "content" / "tags.yml").read_text(encoding="utf-8"), "content/tags.yml"
    )
    assert len(tags) >= 20
    assert all(tag.label and tag.description and tag.match for tag in tags)


# (taxonomy text, expected messages), side by side.
TAXONOMY_ERRORS = {
    "empty": ("# nothing\n", ["t.yml:1: the taxonomy is empty: define at least one tag"]),
    "not a mapping": ("- a\n- b\n", ["t.yml:1: expected a mapping of tag ids to tags"]),
    "YAML syntax": ("a:\n  match: [x\n", ["t.yml:3: YAML error: did not find expected ',' or ']'"]),
    "bad id and duplicate": (
        "Big Tag:\n  match: [x]\nok:\n  match: [x]\nok:\n  match: [y]\n",
        [
            "t.yml:1: tag id `Big Tag` must be lowercase words joined by `-`",
            "t.yml:5: tag `ok` is defined twice",
        ],
    ),
    "unknown field": (
        "ok:\n  label: OK\n  colour: red\n",
        ["t.yml:1: unknown field `colour` in tag `ok` (known: label, description, match)"],
    ),
    "value not a mapping": (
        "ok: [x]\n",
        ["t.yml:1: tag `ok` needs `label`, `description` and `match`"],
    ),
    "bad match": (
        "ok:\n  match: [x, 3]\n",
        ["t.yml:1: `match` of tag `ok` must be a list of terms"],
    ),
    "label not text": (
        "ok:\n  label: [x]\n",
        ["t.yml:1: `label` and `description` of tag `ok` must be text"],
    ),
    "impossible date": (
        "ok:\n  label: OK\n  description: 2025-13-45\n",
        ["t.yml:3: YAML error: invalid value '2025-13-45': month must be in 1..12"],
    ),
    "python object tag": (
        "ok:\n  label: !!python/object/apply:os.system ['echo pwned']\n",
        [
            (
                "t.yml:2: YAML error: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object/apply:os.system'"
            )
        ],
    ),
}


@pytest.mark.parametrize(("text", "messages"), TAXONOMY_ERRORS.values(), ids=TAXONOMY_ERRORS.keys())
def test_parse_taxonomy_errors(text: str, messages: list[str]) -> None:
    with pytest.raises(SiteError) as caught:
        parse_taxonomy(text, "t.yml")
    assert str(caught.value).splitlines() == messages


# (title, abstract, expected tags), side by side: a title match counts 3, an abstract match 1,
# a tag needs 2; terms are whole words, plurals included, `*` ends a prefix.
MATCH_CASES = {
    "title once is enough": ("Faster Diffusion", "Nothing here.", ("diffusion",)),
    "abstract once is not": ("A Paper", "We use diffusion.", ()),
    "abstract twice is": ("A Paper", "Diffusion helps; DDPM too.", ("diffusion",)),
    "plural": ("Graph Neural Networks at Scale", "", ("graphs",)),
    "prefix": ("Preconditioned Methods", "", ("optimizers",)),
    "whole words only": ("Adamant Gradients", "graphical models", ()),
    "case, accents, hyphens": ("SCORE BASED Models", "", ("diffusion",)),
    "several tags in taxonomy order": (
        "Adam for GNNs",
        "diffusion diffusion",
        ("diffusion", "graphs", "optimizers"),
    ),
}


@pytest.mark.parametrize(
    ("title", "abstract", "tags"), MATCH_CASES.values(), ids=MATCH_CASES.keys()
)
def test_match_tags(title: str, abstract: str, tags: tuple[str, ...]) -> None:
    tagger = build_tagger(parse_taxonomy(TAXONOMY, "t.yml"))
    assert match_tags(tagger, title, abstract) == tags


def test_final_tags_adds_and_removes_in_taxonomy_order() -> None:
    order = ["diffusion", "graphs", "optimizers"]
    assert final_tags(["graphs", "diffusion"], ["optimizers"], ["graphs"], order) == (
        "diffusion",
        "optimizers",
    )
    assert final_tags(["graphs"], ["graphs"], ["graphs"], order) == (
        "graphs",
    )  # an explicit add wins


def page(tags: str = "[]", remove_tags: str = "[]") -> Paper:
    text = (
        "---\ntitle: Diffusion Models for Graph Neural Networks\n"
        f"tags: {tags}\nremove_tags: {remove_tags}\n---\n\nWe train with Adam.\n"
    )
    return parse_page(text, "p.md", "p")


def test_tags_of_a_page_add_and_remove_tags_survive_taxonomy_changes() -> None:
    before = parse_taxonomy(TAXONOMY, "t.yml")
    paper = page(tags="[optimizers]", remove_tags="[graphs]")
    assert tag_papers([paper], before) == {paper.id: ("diffusion", "optimizers")}
    # The taxonomy gains a tag that matches the paper and drops the optimizer terms entirely.
    after = parse_taxonomy(
        TAXONOMY.replace("match: [Adam, precondition*]", "match: [zzz]")
        + "generative:\n  label: Generative\n  description: Models.\n  match: [diffusion model]\n",
        "t.yml",
    )
    assert tag_papers([paper], after) == {paper.id: ("diffusion", "optimizers", "generative")}
    assert tag_papers([page()], after) == {page().id: ("diffusion", "graphs", "generative")}


def stats_table(out: str) -> tuple[int, int, dict[str, int]]:
    """Return papers, tagged papers and papers per tag from `site-builder stats` output."""
    papers = int(re.search(r"^papers: (\d+)$", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    tagged = int(re.search(r"^tagged: (\d+) ", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    rows = re.findall(r"^([a-z0-9-]+) +(\d+) +[\d.]+%", out, re.MULTILINE)
    return papers, tagged, {tag: int(count) for tag, count in rows}


def test_bundled_seeds_tag_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    assert run_cli(capsys, project, "import")[0] == 0
    code, out, err = run_cli(capsys, project, "stats")
    assert (code, err) == (0, "")
    papers, tagged, counts = stats_table(out)
    assert papers == 369
    assert len(counts) >= 20
    assert tagged / papers >= 0.95
    assert {tag: n for tag, n in counts.items() if n < 3} == {}
    assert {tag: n for tag, n in counts.items() if n > 0.40 * papers} == {}
    assert "<" not in out and "> 40%" not in out  # stats flags no tag


def test_stats_flags_tags_too_small_or_too_broad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {
        f"content/papers/p{i}.md": f"---\ntitle: Paper {i}\n---\n\nAbout diffusion and diffusion.\n"
        for i in range(5)
    }
    project = make_project(tmp_path, pages)
    write = project / "content" / "tags.yml"
    write.write_text(
        "diffusion:\n  match: [diffusion]\nrare:\n  match: [quasar]\n", encoding="utf-8"
    )
    code, out, _ = run_cli(capsys, project, "stats")
    assert code == 0
    assert out.splitlines() == [
        "papers: 5",
        "tagged: 5 (100.0%)",
        "tags:   2",
        "",
        "tag                      papers  share",
        "diffusion                     5 100.0%  > 40% of papers",
        "rare                          0   0.0%  < 3 papers",
    ]


# Terms that share first words, end in a plural or a prefix, or overlap one another.
OVERLAP_TAXONOMY = """\
nets:
  match: [graph neural network, graph, neural tangent kernel, neural net*, net]
methods:
  match: [gradient method*, gradient descent, stochastic gradient method, gradient]
compress:
  match: [compress*, model compression, compression]
"""
VOCABULARY = (
    "graph graphs neural network networks net nets netting tangent kernel kernels gradient "
    "method methods methodical descent stochastic compress compression compressed model"
).split()


def _naive_counts(tags: list[Tag], words: list[str]) -> dict[int, int]:
    """Count each tag's terms the slow, obvious way: at every word, every term in order."""
    counts: dict[int, int] = {}
    for index, tag in enumerate(tags):
        free = 0
        for position in range(len(words)):
            if position < free:
                continue
            for text in tag.match:
                *leading, last = text.rstrip("*").split()
                end = position + len(leading)
                if end >= len(words) or words[position:end] != leading:
                    continue
                found = words[end]
                if found.startswith(last) if text.endswith("*") else found in (last, f"{last}s", f"{last}es"):
                    counts[index] = counts.get(index, 0) + 1
                    free = end + 1
                    break
    return counts


def test_count_matches_agrees_with_a_naive_scan() -> None:
    tags = list(parse_taxonomy(OVERLAP_TAXONOMY, "t.yml"))
    tagger = build_tagger(tags)
    rng = random.Random(7)
    for _ in range(2000):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randrange(0, 12))]
        assert count_matches(tagger, " ".join(words)) == _naive_counts(tags, words), words


def test_count_matches_first_fitting_term_sets_the_overlap() -> None:
    tagger = build_tagger(parse_taxonomy(OVERLAP_TAXONOMY, "t.yml"))
    # `graph neural network` covers three words: `neural net*` inside it does not count again.
    assert count_matches(tagger, "Graph neural networks; neural nets.") == {0: 2}
    # `stochastic gradient method` covers the `gradient methods` inside it.
    assert count_matches(tagger, "stochastic gradient methods, gradient methodical") == {1: 2}
    assert count_matches(tagger, "model compression compressed") == {2: 2}
