"""The import over every layout: one page per paper across sources, junk refused, dry runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, copy_seeds, make_project, run_cli, snapshot

from site_builder.config import load_config
from site_builder.content import read_papers
from site_builder.models import Listing

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
KNOWN = "bibtex, arxiv-abs, hf-paper, arxiv-listing, hf-trending, hf-daily-cards, hf-daily"


def _project_with(tmp_path: Path, *names: str) -> Path:
    project = make_project(tmp_path)
    sources = project / "content" / "sources"
    sources.mkdir(parents=True)
    for name in names:
        shutil.copy2(FIXTURES / name, sources / name)
    return project


def test_one_paper_from_three_sources_is_one_page_with_every_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with(tmp_path, "hf_daily_cards.txt", "arxiv_new.txt", "zotero.bib")
    code, _, err = run_cli(capsys, project, "import")
    assert code == 0
    assert err.splitlines()[-1] == (
        "imported: 6 new, 0 updated, 0 unchanged, 1 warnings "
        "(arxiv-listing: arxiv_new.txt; bibtex: zotero.bib; hf-daily-cards: hf_daily_cards.txt)"
    )
    papers = read_papers(load_config(project), None)
    [sae] = [
        paper for paper in papers if paper.title == "Scaling Sparse Autoencoders to Frontier Models"
    ]
    assert sae.listings == (
        Listing(None, "zotero.bib", 3),
        Listing("2025-03-12", "arxiv_new.txt", 9),
        Listing("2025-03-12", "hf_daily_cards.txt", 10),
    )
    assert (sae.authors, sae.arxiv, sae.doi, sae.venue, sae.published, sae.code) == (
        ("Ada Lovelace", "Alan Turing", "Grace Hopper"),
        "2503.01234",
        "10.1234/tmlr.2025.42",
        "Transactions on Machine Learning Research",
        "2025-03-10",
        ("https://github.com/example/sae-scaling",),
    )
    assert sorted(paper.slug for paper in papers) == [
        "a-very-long-title-about-learning-rate-warmup-that-was-hard-wrapped-by-the",
        "old-paper-revised",
        "on-formally-undecidable-propositions-in-godel-numbering",
        "random-walks-on-groups",
        "scaling-sparse-autoencoders-to-frontier-models",
        "tiny-recursive-reasoners",
    ]


def test_a_new_source_finds_the_page_by_arxiv_id_when_the_title_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with(tmp_path, "arxiv_new.txt")
    assert run_cli(capsys, project, "import")[0] == 0
    (project / "content" / "sources" / "mine.bib").write_text(
        "@misc{x, title={Scaling {SAEs} to Frontier Models}, eprint={2503.01234v2},"
        " archivePrefix={arXiv}}\n",
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (
        0,
        "imported: 0 new, 1 updated, 3 unchanged, 0 warnings "
        "(arxiv-listing: arxiv_new.txt; bibtex: mine.bib)\n",
    )
    papers = read_papers(load_config(project), None)
    [sae] = [paper for paper in papers if paper.arxiv == "2503.01234"]
    assert [item.source for item in sae.listings] == ["mine.bib", "arxiv_new.txt"]
    assert len(papers) == 4


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "readme.md",
            "readme.md:1: not a listing in any known layout: cannot read '# sparse-tools'",
        ),
        (
            "data.csv",
            "data.csv:1: not a listing in any known layout: cannot read 'id,title,year,venue'",
        ),
        (
            "script.py",
            'script.py:1: not a listing in any known layout: cannot read \'"""Fetch the papers of the day."""\'',
        ),
    ],
)
def test_junk_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    project = _project_with(tmp_path, "arxiv_new.txt")
    junk = tmp_path / name
    shutil.copy2(FIXTURES / name, junk)
    before = snapshot(project)
    good = project / "content" / "sources" / "arxiv_new.txt"
    code, out, err = run_cli(capsys, project, "import", str(good), str(junk))
    shown = junk.resolve().as_posix()
    assert (code, out, err) == (
        1,
        "",
        f"error: {shown.removesuffix(name)}{message} as a paper (known layouts: {KNOWN})\n",
    )
    assert snapshot(project) == before


def test_a_readme_in_the_sources_stops_the_whole_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with(tmp_path, "arxiv_new.txt", "hf_paper.txt")
    # A project's README pasted by mistake (a file named README.* is the how-to: skipped).
    shutil.copy2(FIXTURES / "readme.md", project / "content" / "sources" / "pasted.md")
    before = snapshot(project)
    code, out, err = run_cli(capsys, project, "import")
    assert (code, out, err) == (
        1,
        "",
        "error: content/sources/pasted.md:1: not a listing in any known layout: cannot read "
        f"'# sparse-tools' as a paper (known layouts: {KNOWN})\n",
    )
    assert snapshot(project) == before


def test_dry_run_prints_layouts_and_pages_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with(tmp_path, "arxiv_recent.txt", "hf_paper.txt")
    before = snapshot(project)
    code, out, err = run_cli(capsys, project, "import", "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "content/sources/arxiv_recent.txt: arxiv-listing, 3 new, 0 updated, 0 unchanged",
        "  would create graph-transformers-without-positional-encodings.md",
        "  would create scaling-sparse-autoencoders-to-frontier-models.md",
        "  would create tokenizer-free-language-models.md",
        "content/sources/hf_paper.txt: hf-paper, 1 new, 0 updated, 0 unchanged",
        "  would create scaling-sparse-autoencoders-to-frontier-models.md",
        "dry run: would import: 3 new, 0 updated, 0 unchanged, 0 warnings "
        "(arxiv-listing: arxiv_recent.txt; hf-paper: hf_paper.txt)",
    ]
    assert snapshot(project) == before
    assert run_cli(capsys, project, "import")[0] == 0
    (project / "content" / "sources" / "more.txt").write_text(
        (FIXTURES / "arxiv_new.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    before = snapshot(project)
    code, out, err = run_cli(capsys, project, "import", "--dry-run")
    assert out.splitlines()[:3] == [
        "content/sources/arxiv_recent.txt: arxiv-listing, 0 new, 0 updated, 3 unchanged",
        "content/sources/hf_paper.txt: hf-paper, 0 new, 0 updated, 1 unchanged",
        "content/sources/more.txt: arxiv-listing, 3 new, 1 updated, 0 unchanged",
    ]
    assert snapshot(project) == before


def test_bundled_pages_are_byte_identical_after_a_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    shutil.copytree(REPO / "content" / "papers", project / "content" / "papers")
    code, out, err = run_cli(capsys, project, "import")
    assert code == 0, err
    assert "imported: 0 new, 0 updated, 369 unchanged" in err
    made = sorted((project / "content" / "papers").glob("*.md"))
    bundled = sorted((REPO / "content" / "papers").glob("*.md"))
    assert [path.name for path in made] == [path.name for path in bundled]
    assert [p.name for p, twin in zip(made, bundled, strict=True) if p.read_bytes() != twin.read_bytes()] == []


def test_a_fresh_import_of_the_seeds_gives_the_bundled_pages_but_cleaner_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    assert run_cli(capsys, project, "import")[0] == 0
    made = {path.name: path.read_bytes() for path in (project / "content" / "papers").glob("*.md")}
    bundled = {path.name: path.read_bytes() for path in (REPO / "content" / "papers").glob("*.md")}
    # The one bundled title with a size macro that lost its backslash is now cleaned.
    assert sorted(set(bundled) - set(made)) == [
        "inference-scaling-scriptsizeflaws-the-limits-of-llm-resampling-with-imperfect.md"
    ]
    assert sorted(set(made) - set(bundled)) == [
        "inference-scaling-flaws-the-limits-of-llm-resampling-with-imperfect-verifiers.md"
    ]
    # ... and so are the abstracts with such macros (`mathcal W` -> `W`, `textitword` -> `word`).
    assert sorted(name for name in bundled if name in made and made[name] != bundled[name]) == [
        "convergence-guarantees-for-rmsprop-and-adam-in-generalized-smooth-non-convex.md",
        "direct-parameterization-of-lipschitz-bounded-deep-networks.md",
        "mgno-efficient-parameterization-of-linear-operators-via-multigrid.md",
        "sharper-bounds-for-ell-p-sensitivity-sampling.md",
    ]
