"""The search data after edits in a long-lived BuildState (as the dev server keeps): byte for
byte what a fresh build writes, with only the files whose inputs changed encoded again."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project, snapshot
from test_search import HOSTILE, read_bundled_docs

from site_builder.build import BuildState, build_site
from site_builder.config import load_config
from site_builder.search import SearchDoc, build_postings, build_search, update_postings

DAYS = {
    day: [(f"{topic.title()} for Day {day}", long_abstract(f"{topic} {day}")) for topic in topics]
    for day, topics in {
        10: ["graph networks", "speech models", "protein folding"],
        11: ["diffusion models", "language models", "robot control", "sparse codes"],
        12: ["flow matching", "vision transformers", "reinforcement learning"],
    }.items()
}

Edit = Callable[[Path], tuple[list[Path], bool]]
"""Changes the project; returns the files it changed and whether the dev server would import."""


def _page(project: Path, slug_start: str) -> Path:
    return next(p for p in sorted((project / "content/papers").glob(f"{slug_start}*.md")))


def _replace(path: Path, old: str, new: str) -> list[Path]:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [path]


def retitle(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "language-models")
    return _replace(page, "title: Language Models for Day 11", "title: Zebrafish Navigation"), False


def abstract(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "robot-control")
    return _replace(page, "We study robot control", "We study quokka robot control"), False


def added_newest(project: Path) -> tuple[list[Path], bool]:
    path = project / "content/sources/2025-03-13.txt"
    path.write_text(dump([("Sparse Autoencoders", long_abstract("autoencoders"))], "Mar 13"))
    return [path], True


def added_oldest(project: Path) -> tuple[list[Path], bool]:
    path = project / "content/sources/2025-03-01.txt"
    path.write_text(dump([("Ancient Perceptrons", long_abstract("perceptrons"))], "Mar 1"))
    return [path], True


def deleted_middle(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "diffusion-models")
    page.unlink()
    return [page], False


def deleted_oldest(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "ancient-perceptrons")
    page.unlink()
    return [page], False


EDITS: list[Edit] = [retitle, abstract, added_newest, added_oldest, deleted_middle, deleted_oldest]


def _search_files(root: Path) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(root).items() if path.startswith("search/")}


def test_search_data_after_each_edit_is_a_fresh_builds(tmp_path: Path) -> None:
    project = make_site_project(
        tmp_path,
        {
            f"content/sources/2025-03-{day}.txt": dump(papers, f"Mar {day}")
            for day, papers in DAYS.items()
        },
    )
    state = BuildState(start_method=None)
    build_site(load_config(project), state)
    for edit in EDITS:
        before = _search_files(project / "_site")
        changed, run_import = edit(project)
        build_site(load_config(project), state, run_import=run_import, changed=changed)
        rebuilt = _search_files(project / "_site")
        config = load_config(project, out_dir=tmp_path / "fresh" / edit.__name__)
        build_site(config, BuildState(start_method=None), run_import=run_import)
        assert rebuilt == _search_files(config.out_dir), edit.__name__
        assert rebuilt != before, f"{edit.__name__} changed no search file"


def _edits(docs: list[SearchDoc], seed: int, steps: int) -> list[list[SearchDoc]]:
    """Return successive versions of docs, each one random edit away from the last."""
    rng = random.Random(seed)
    words = "zebrafish quokka diffusion graph ünïcode 𠀀s the model surveys".split()
    versions = []
    for step in range(steps):
        docs = list(docs)
        i = rng.randrange(len(docs))
        kind = rng.choice(["title", "abstract", "tags", "add", "delete", "move", "several"])
        if kind == "title":
            docs[i] = dataclasses.replace(docs[i], title=" ".join(rng.sample(words, 3)))
        elif kind == "abstract":
            docs[i] = dataclasses.replace(
                docs[i], abstract=docs[i].abstract + " " + rng.choice(words)
            )
        elif kind == "tags":
            docs[i] = dataclasses.replace(docs[i], tags=("Zoology",), tag_ids=("zoo",))
        elif kind == "add":
            docs.insert(i, dataclasses.replace(docs[i], url=f"papers/new-{step}/", title=words[0]))
        elif kind == "delete" and len(docs) > 1:
            del docs[i]
        elif kind == "move":
            docs.insert(rng.randrange(len(docs)), docs.pop(i))
        else:
            for j in rng.sample(range(len(docs)), min(len(docs), 4)):
                docs[j] = dataclasses.replace(docs[j], abstract="", authors=("Ann Author",))
        versions.append(docs)
    return versions


@pytest.mark.parametrize(("count", "seed"), [(200, 1), (30, 2), (3, 3)])
def test_edited_postings_and_files_equal_a_fresh_builds(count: int, seed: int) -> None:
    docs = (read_bundled_docs() + list(HOSTILE))[:count]
    index = build_search(docs)
    for version in _edits(docs, seed, 15):
        edited = build_search(version, index)
        fresh = build_search(version)
        assert edited.files == fresh.files
        assert edited.postings == fresh.postings
        assert update_postings(index.postings, version) == build_postings(version)
        reused = [path for path in edited.files if edited.files[path] is index.files.get(path)]
        assert reused or len(version) < 8
        index = edited


def test_an_unchanged_rebuild_reuses_every_file_but_meta() -> None:
    docs = read_bundled_docs()
    index = build_search(docs)
    again = build_search([dataclasses.replace(doc) for doc in docs], index)
    assert again.postings is index.postings
    assert [path for path in again.files if again.files[path] is not index.files[path]] == [
        "search/meta.js"
    ]
