"""Entries -> distinct papers: dedupe across listings, richest title, code and project links."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_seeds, make_project

from site_builder.config import load_config
from site_builder.errors import SourcePos
from site_builder.ingest import read_entries, source_paths
from site_builder.models import Entry, Listing
from site_builder.papers import find_urls, merge_entries, paper_id


def entry(
    title: str,
    abstract: str = "An abstract.",
    date: str | None = "2025-03-12",
    where: str = "a.txt:3",
) -> Entry:
    path, line = where.rsplit(":", 1)
    return Entry(title=title, abstract=abstract, date=date, where=SourcePos(path, int(line)))


# (abstract, code URLs, other links), side by side.
URL_CASES = {
    "code URL ending a sentence": (
        "Code is at https://github.com/org/repo.",
        ("https://github.com/org/repo",),
        (),
    ),
    "in parentheses, with a comma after": (
        "Our tool (https://github.com/org/repo), and a page (see https://org.github.io/proj/).",
        ("https://github.com/org/repo",),
        ("https://org.github.io/proj/",),
    ),
    "balanced brackets in a URL stay": (
        "See https://en.wikipedia.org/wiki/Mamba_(snake); and https://gitlab.com/a/b!",
        ("https://gitlab.com/a/b",),
        ("https://en.wikipedia.org/wiki/Mamba_(snake)",),
    ),
    "quotes, colons, Markdown emphasis around URLs": (
        'Project: "https://proj.example.org/x": *https://huggingface.co/org/model*',
        ("https://huggingface.co/org/model",),
        ("https://proj.example.org/x",),
    ),
    "www and other code hosts": (
        "https://www.github.com/a/b; https://bitbucket.org/c/d; https://anonymous.4open.science/r/e-1",
        (
            "https://www.github.com/a/b",
            "https://bitbucket.org/c/d",
            "https://anonymous.4open.science/r/e-1",
        ),
        (),
    ),
    "duplicates once, in order": (
        "https://github.com/a/b and again https://github.com/a/b. Also http://site.org/p?q=1.",
        ("https://github.com/a/b",),
        ("http://site.org/p?q=1",),
    ),
    "not URLs": ("No links here; http:// alone and https://localhost are ignored.", (), ()),
}


@pytest.mark.parametrize(("abstract", "code", "links"), URL_CASES.values(), ids=URL_CASES.keys())
def test_find_urls(abstract: str, code: tuple[str, ...], links: tuple[str, ...]) -> None:
    assert find_urls(abstract) == (code, links)


def test_same_paper_in_several_listings_is_one_paper_with_every_listing() -> None:
    papers = merge_entries(
        [
            entry(
                "One-step Diffusion Models with f-Divergence Distribution Matching",
                "Short.",
                "2025-03-11",
                "b.txt:9",
            ),
            entry("Unrelated Paper", "Other.", "2025-03-11", "b.txt:13"),
            entry(
                "One-step Diffusion Models with $f$-Divergence Distribution Matching",
                "A longer abstract, see https://github.com/o/r.",
                "2025-03-12",
                "content/sources/a.txt:3",
            ),
            entry(
                "ONE-STEP diffusion models with f divergence distribution matching",
                "Short.",
                None,
                "c.txt:1",
            ),
        ]
    )
    assert len(papers) == 2
    [paper] = [p for p in papers if p.title != "Unrelated Paper"]
    assert paper.title == "One-step Diffusion Models with $f$-Divergence Distribution Matching"
    assert paper.abstract == "A longer abstract, see https://github.com/o/r."
    assert paper.code == ("https://github.com/o/r",)
    assert paper.listings == (
        Listing(None, "c.txt", 1),
        Listing("2025-03-11", "b.txt", 9),
        Listing("2025-03-12", "a.txt", 3),
    )
    assert paper.id == paper_id("One-step Diffusion Models with f-Divergence Distribution Matching")


@pytest.mark.parametrize(
    ("titles", "richest"),
    [
        (["Schrodinger Bridges", "Schrödinger Bridges"], "Schrödinger Bridges"),
        (["Schrödinger Bridges", "Schrodinger Bridges"], "Schrödinger Bridges"),
        (["l_p Sampling", r"$\ell_p$ Sampling"], r"$\ell_p$ Sampling"),
        (["Deep Learning", "Deep Learning!"], "Deep Learning!"),
    ],
)
def test_richest_title_wins_whatever_the_order(titles: list[str], richest: str) -> None:
    [paper] = merge_entries(
        [entry(title, where=f"a.txt:{i + 1}") for i, title in enumerate(titles)]
    )
    assert paper.title == richest


def test_merge_is_deterministic_and_sorted_by_id() -> None:
    entries = [entry(f"Paper {name}", where=f"a.txt:{i + 1}") for i, name in enumerate("CBAED")]
    forward, backward = merge_entries(entries), merge_entries(list(reversed(entries)))
    assert forward == backward
    assert [p.id for p in forward] == sorted(p.id for p in forward)


def test_entries_without_date_are_kept() -> None:
    [paper] = merge_entries([entry("Undated", date=None)])
    assert paper.listings == (Listing(None, "a.txt", 3),)


def test_a_title_of_emoji_only_is_still_a_paper() -> None:
    papers = merge_entries([entry("🚀🚀", where="a.txt:1"), entry("🔥", where="a.txt:3")])
    assert sorted(p.title for p in papers) == ["🔥", "🚀🚀"]
    assert len({p.id for p in papers}) == 2


def test_bundled_seeds_give_369_papers_from_408_entries(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    config = load_config(project)
    entries, warnings = read_entries(config, source_paths(config))
    papers = merge_entries(entries)
    assert (len(entries), len(papers), warnings) == (408, 369, [])
    assert len({p.id for p in papers}) == 369
    # Every entry is in exactly one paper's listings.
    assert sum(len(p.listings) for p in papers) == 408
    [fdiv] = [p for p in papers if "Divergence Distribution Matching" in p.title]
    assert fdiv.title == "One-step Diffusion Models with $f$-Divergence Distribution Matching"
    assert len(fdiv.listings) == 2
    [most] = [
        p for p in papers if p.title == "Supervised Dictionary Learning with Auxiliary Covariates"
    ]
    assert [(item.date, item.source) for item in most.listings] == [
        (None, "001_06f9f8d16ea2c083.txt"),
        ("2025-03-12", "000_f88e294224a973a7.txt"),
        ("2025-03-14", "004_11acdcce7ddef882.txt"),
    ]
