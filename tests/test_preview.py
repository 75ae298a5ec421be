"""The dev server's fast render of a notes edit (preview.py): the page it writes is the one the
rebuild writes, nothing else is previewed, and a preview racing a build is settled by the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project, snapshot

from site_builder import build
from site_builder.build import BuildState, build_site
from site_builder.config import Config, load_config
from site_builder.preview import notes_edit, preview_notes

PAPERS = [
    ("Denoising Diffusion Models at Scale", long_abstract("denoising diffusion models")),
    ("One-step Diffusion with $f$-Divergence", long_abstract("score distillation")),
    ("Large Language Models as Reviewers", long_abstract("large language models")),
    ("Graph Neural Networks for Molecules", long_abstract("graph neural networks")),
]


@pytest.fixture
def built(tmp_path: Path) -> tuple[Config, BuildState]:
    project = make_site_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump(PAPERS, "Mar 12")}
    )
    config = load_config(project)
    state = BuildState(start_method=None)
    build_site(config, state)
    return config, state


def _page(config: Config, start: str) -> Path:
    return next(p for p in sorted(config.papers_dir.glob("*.md")) if p.name.startswith(start))


def _set_notes(page: Path, notes: str) -> None:
    text = page.read_text(encoding="utf-8")
    head = text.split("\n## Notes", 1)[0].rstrip("\n")
    page.write_text(f"{head}\n\n## Notes\n\n{notes}\n" if notes else f"{head}\n", encoding="utf-8")


def _preview(config: Config, state: BuildState, *pages: Path) -> list[str]:
    assert state.site is not None and state.environment is not None
    return preview_notes(
        config,
        state.site,
        state.environment[1],
        state.cards,
        [tag.id for tag in state.tags_taxonomy],
        [page.resolve() for page in pages],
        state.previewed,
    )


def _output(config: Config) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(config.out_dir).items()}


def _fresh(config: Config, tmp_path: Path) -> dict[str, bytes]:
    fresh = load_config(config.root, out_dir=tmp_path / "fresh")
    build_site(fresh, BuildState(start_method=None), run_import=False)
    return {path: data for path, (data, _) in snapshot(fresh.out_dir).items()}


@pytest.mark.parametrize(
    "notes",
    [
        "Read with *care*: $x^2 + y_i$ and `code`.",
        "A second thought.\n\n- one\n- two",
        "",  # notes removed
    ],
)
def test_a_notes_preview_writes_the_page_the_rebuild_writes(
    built: tuple[Config, BuildState], tmp_path: Path, notes: str
) -> None:
    config, state = built
    page = _page(config, "graph-neural")
    _set_notes(page, "First notes.")
    build_site(config, state, run_import=False, changed=[page])
    before = _output(config)

    _set_notes(page, notes)
    written = _preview(config, state, page)
    assert written == [f"papers/{page.stem}/index.html"]
    previewed = _output(config)
    assert [path for path in previewed if previewed[path] != before[path]] == written

    result = build_site(config, state, run_import=False, changed=[page])
    assert result.unsettled == ()
    assert _output(config) == _fresh(config, tmp_path)
    assert _output(config)[written[0]] == previewed[written[0]]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: ", "title: Revised "),  # the title shows on other pages too
        ("status: unread", "status: read"),
        ("tags: []", "tags: [vision]"),
    ],
)
def test_only_a_notes_edit_is_previewed(
    built: tuple[Config, BuildState], old: str, new: str
) -> None:
    config, state = built
    page = _page(config, "large-language")
    before = _output(config)
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1) + "\nNotes and more.\n", encoding="utf-8")
    assert _preview(config, state, page) == []
    assert _output(config) == before


def test_no_preview_for_a_page_that_does_not_parse_or_is_new(
    built: tuple[Config, BuildState],
) -> None:
    config, state = built
    broken = _page(config, "denoising")
    broken.write_text(broken.read_text(encoding="utf-8").replace("status:", "status: [", 1))
    new = config.papers_dir / "a-new-paper.md"
    new.write_text(_page(config, "graph-neural").read_text(encoding="utf-8"), encoding="utf-8")
    before = _output(config)
    assert _preview(config, state, broken, new) == []
    assert _output(config) == before
    assert state.site is not None
    assert notes_edit(state.site, state.site.papers[0].paper) is None  # nothing changed


def test_a_reverted_preview_is_written_back(
    built: tuple[Config, BuildState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, state = built
    monkeypatch.setattr(build, "EDITED_FIRST", 0)  # not written early: the page cache is tested
    page = _page(config, "one-step")
    original = page.read_text(encoding="utf-8")
    before = _output(config)
    _set_notes(page, "Notes saved, then undone.")
    assert _preview(config, state, page)
    page.write_text(original, encoding="utf-8")
    build_site(config, state, run_import=False, changed=[page])
    assert _output(config) == before == _fresh(config, tmp_path)


def _build_with_a_preview(
    config: Config,
    state: BuildState,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    changed: list[Path],
    page: Path,
) -> build.BuildResult:
    """Build with the page's notes saved and previewed when the build reaches `stage`."""
    run_stage = getattr(build, stage)

    def stage_after_a_preview(*args: object, **kwargs: object) -> object:
        _set_notes(page, "Saved while the build ran.")
        assert _preview(config, state, page)
        return run_stage(*args, **kwargs)

    monkeypatch.setattr(build, stage, stage_after_a_preview)
    try:
        return build_site(config, state, run_import=False, changed=changed)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("build_sees_the_edit", [True, False])
def test_a_preview_before_the_build_writes_is_taken_in(
    built: tuple[Config, BuildState],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    build_sees_the_edit: bool,
) -> None:
    config, state = built
    page = _page(config, "graph-neural")
    other = _page(config, "denoising")
    _set_notes(other, "Another edit.")
    if build_sees_the_edit:
        _set_notes(page, "Saved while the build ran.")
    changed = [page, other] if build_sees_the_edit else [other]
    result = _build_with_a_preview(config, state, monkeypatch, "assemble_site", changed, page)
    assert result.unsettled == ()
    if not build_sees_the_edit:
        # The build wrote the page from the notes it read; the save is the watcher's next burst.
        build_site(config, state, run_import=False, changed=[page])
    assert _output(config) == _fresh(config, tmp_path)


def test_a_preview_while_the_build_writes_is_handed_back(
    built: tuple[Config, BuildState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, state = built
    page = _page(config, "graph-neural")
    other = _page(config, "denoising")
    _set_notes(other, "Another edit.")
    result = _build_with_a_preview(config, state, monkeypatch, "render_site", [other], page)
    # The preview and the build each wrote the page, from different notes: which one the output
    # dir holds is unknown, so the page's file is handed back to be built again.
    assert result.unsettled == (page.resolve(),)
    build_site(config, state, run_import=False, changed=list(result.unsettled))
    assert _output(config) == _fresh(config, tmp_path)
