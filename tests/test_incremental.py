"""Rebuilds right by construction: after any kind of edit, a rebuild in a long-lived BuildState
(as the dev server keeps) writes exactly what a fresh build of the same files writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project, snapshot

from site_builder import build
from site_builder.build import BuildState, build_site
from site_builder.config import load_config

PAPERS_DAY_1 = [
    ("Denoising Diffusion Models at Scale", long_abstract("denoising diffusion models")),
    (
        "One-step Diffusion with $f$-Divergence",
        long_abstract("score distillation with $f$-divergences"),
    ),
    ("Large Language Models as Reviewers", long_abstract("large language models")),
    ("Graph Neural Networks for Molecules", long_abstract("graph neural networks")),
]
PAPERS_DAY_2 = [
    ("Flow Matching for Speech", long_abstract("flow matching")),
    ("Reinforcement Learning from Human Feedback", long_abstract("reinforcement learning")),
    ("Vision Transformers without Attention", long_abstract("vision transformers")),
]

Edit = Callable[[Path], tuple[list[Path], bool]]
"""Changes the project; returns the files it changed and whether the dev server would import."""


def _page(project: Path, slug_start: str) -> Path:
    return next(
        p
        for p in sorted((project / "content" / "papers").glob("*.md"))
        if p.name.startswith(slug_start)
    )


def _rewrite(path: Path, old: str, new: str, count: int = 1) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _front(path: Path, key: str, value: str) -> Path:
    text = path.read_text(encoding="utf-8")
    text, found = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
    assert found, (path, key)
    path.write_text(text, encoding="utf-8")
    return path


def retitle(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "graph-neural")
    return [_front(page, "title", "'Graph Networks, Retitled'")], False


def abstract(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "large-language")
    return [_rewrite(page, "We study", "We carefully study")], False


def notes(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "flow-matching")
    text = page.read_text(encoding="utf-8").rstrip("\n")
    page.write_text(f"{text}\n\n## Notes\n\nRead with *care*: $x^2$.\n", encoding="utf-8")
    return [page], False


def status(project: Path) -> tuple[list[Path], bool]:
    return [_front(_page(project, "vision-transformers"), "status", "read")], False


def tags_added(project: Path) -> tuple[list[Path], bool]:
    return [_front(_page(project, "graph-neural"), "tags", "[llm, diffusion]")], False


def tags_removed(project: Path) -> tuple[list[Path], bool]:
    return [_front(_page(project, "denoising-diffusion"), "remove_tags", "[diffusion]")], False


def taxonomy_term(project: Path) -> tuple[list[Path], bool]:
    tags = project / "content" / "tags.yml"
    return [_rewrite(tags, "match: [diffusion,", "match: [diffusion, vision transformer,")], False


def new_dump(project: Path) -> tuple[list[Path], bool]:
    path = project / "content" / "sources" / "2025-03-14.txt"
    path.write_text(
        dump(
            [("Sparse Autoencoders Read Language Models", long_abstract("sparse autoencoders"))],
            "Mar 14",
        ),
        encoding="utf-8",
    )
    return [path], True


def relisted(project: Path) -> tuple[list[Path], bool]:
    # A dump listing a paper again on a new day: the import updates that paper's page.
    path = project / "content" / "sources" / "2025-03-15.txt"
    path.write_text(dump([PAPERS_DAY_2[0]], "Mar 15"), encoding="utf-8")
    return [path], True


def notes_after_relisting(project: Path) -> tuple[list[Path], bool]:
    # A rebuild without an import must see the updated page as written, not as first read.
    page = _page(project, "vision-transformers")
    return [_rewrite(page, "We study", "We study closely")], False


def deleted_page(project: Path) -> tuple[list[Path], bool]:
    page = _page(project, "reinforcement-learning")
    page.unlink()
    return [page], False


def settings(project: Path) -> tuple[list[Path], bool]:
    return [_rewrite(project / "site.yml", "title: Reading list", "title: Our Reading Group")], True


def template_reading_site_papers(project: Path) -> tuple[list[Path], bool]:
    base = project / "templates" / "base.html"
    shown = '<p class="newest">Newest: {{ site.papers[0].title_text }}</p>\n</body>'
    return [_rewrite(base, "</body>", shown)], False


def retitle_newest(project: Path) -> tuple[list[Path], bool]:
    # Shown on every page by the template edit above: every page must change.
    page = _page(project, "flow-matching")  # listed again on the newest day by `relisted`
    return [_front(page, "title", "'Flow Matching, Retitled'")], False


def stylesheet(project: Path) -> tuple[list[Path], bool]:
    css = project / "static" / "css" / "site.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\n.newest { color: red; }\n", encoding="utf-8"
    )
    return [css], False


EDITS: list[Edit] = [
    retitle,
    abstract,
    notes,
    status,
    tags_added,
    tags_removed,
    taxonomy_term,
    new_dump,
    relisted,
    notes_after_relisting,
    deleted_page,
    settings,
    template_reading_site_papers,
    retitle_newest,
    stylesheet,
]


def _fresh_build(project: Path, run_import: bool) -> dict[str, bytes]:
    config = load_config(project, out_dir=project.parent / "fresh")
    # As the command line builds: nothing kept for a rebuild (views keyed by id, not hashed).
    build_site(config, BuildState(start_method=None, rebuilds=False), run_import=run_import)
    return {path: data for path, (data, _) in snapshot(config.out_dir).items()}


@pytest.mark.parametrize("start_method", [None, "fork", "forkserver"])
def test_every_kind_of_edit_rebuilds_as_a_fresh_build_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_method: str | None
) -> None:
    monkeypatch.setattr(build, "PARALLEL", 3)  # child processes for any run of 3 or more
    project = make_site_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump(PAPERS_DAY_1, "Mar 12"),
            "content/sources/2025-03-13.txt": dump(PAPERS_DAY_2, "Mar 13"),
        },
    )
    state = BuildState(start_method=start_method)
    build_site(load_config(project), state)
    before = snapshot(project / "_site")
    for edit in EDITS:
        changed, run_import = edit(project)
        build_site(load_config(project), state, run_import=run_import, changed=changed)
        rebuilt = {path: data for path, (data, _) in snapshot(project / "_site").items()}
        fresh = _fresh_build(project, run_import)
        assert rebuilt.keys() == fresh.keys(), edit.__name__
        assert [path for path in rebuilt if rebuilt[path] != fresh[path]] == [], edit.__name__
        differs = [path for path in rebuilt if before.get(path, (b"",))[0] != rebuilt[path]]
        assert differs, f"{edit.__name__} changed nothing"
        before = snapshot(project / "_site")
    # The last two template and title edits show on every page, the stale-page class of bug.
    assert all(
        b"Flow Matching, Retitled" in data
        for path, (data, _) in before.items()
        if path.endswith(".html") and path != "404.html"
    )


def test_a_paper_replaced_by_an_equal_copy_reuses_everything(tmp_path: Path) -> None:
    project = make_site_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump(PAPERS_DAY_1, "Mar 12")}
    )
    state = BuildState(start_method=None)
    build_site(load_config(project), state)
    page = _page(project, "graph-neural")
    page.write_text(
        page.read_text(encoding="utf-8"), encoding="utf-8"
    )  # new file version, same text
    result = build_site(load_config(project), state, run_import=False, changed=[page])
    assert result.changed == 0
    assert result.reused == result.pages
