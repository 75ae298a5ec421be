"""`site-builder import`: new pages, merged listings, the reader's edits kept, idempotent runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import (
    copy_seeds,
    dump,
    long_abstract,
    make_project,
    make_site_project,
    run_cli,
    snapshot,
    write_files,
)

from site_builder.cli import main
from site_builder.config import load_config
from site_builder.content import read_papers
from site_builder.ingest import import_sources

SPARSE = (
    "Sparse Attention at Scale",
    long_abstract("sparse attention") + " Code: https://github.com/o/sparse.",
)
DECAY = ("Weight Decay Revisited", long_abstract("weight decay"))
SCORE = ("Score Matching for Graphs", long_abstract("score matching"))

SPARSE_PAGE = f"""\
---
id: {{id}}
title: Sparse Attention at Scale
listings:
- date: 2025-03-12
  source: 2025-03-12.txt
  line: 9
code:
- https://github.com/o/sparse
links: []
tags: []
remove_tags: []
status: unread
---

{SPARSE[1]}

## Notes

"""


SEED_LAYOUTS = (
    "hf-daily: 000_f88e294224a973a7.txt, 001_06f9f8d16ea2c083.txt, 002_f775b746e3ff0a90.txt, "
    "003_40410210dcb05642.txt, 004_11acdcce7ddef882.txt"
)


def papers_dir(project: Path) -> Path:
    return project / "content" / "papers"


def test_import_creates_one_page_per_paper(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/2025-03-12.txt": dump([SPARSE, DECAY])})
    code, out, err = run_cli(capsys, project, "import")
    assert (code, out, err) == (0, "", "imported: 2 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: 2025-03-12.txt)\n")
    assert sorted(p.name for p in papers_dir(project).iterdir()) == [
        "sparse-attention-at-scale.md",
        "weight-decay-revisited.md",
    ]
    text = (papers_dir(project) / "sparse-attention-at-scale.md").read_text(encoding="utf-8")
    [paper] = [
        p for p in read_papers(load_config(project), None) if p.slug == "sparse-attention-at-scale"
    ]
    assert text == SPARSE_PAGE.format(id=paper.id)


def test_bundled_seeds_import_then_reimport_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 369 new, 0 updated, 0 unchanged, 0 warnings (" + SEED_LAYOUTS + ")\n")
    assert len(list(papers_dir(project).glob("*.md"))) == 369
    before = snapshot(project)
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 0 new, 0 updated, 369 unchanged, 0 warnings (" + SEED_LAYOUTS + ")\n")
    assert snapshot(project) == before


def edit(text: str) -> str:
    """Edit a page the way a reader does: title, status, tags, comments, abstract, notes, extra."""
    replacements = [
        (
            "title: Sparse Attention at Scale\n",
            "# Shorter title, mine.\ntitle: Sparse Attention  # edited\n",
        ),
        ("tags: []\nremove_tags: []\n", "tags: [transformers, llm]\nremove_tags:\n- sparsity\n"),
        ("status: unread\n", "status: read   # finished on the train\nextra:\n  rating: 4\n"),
        ("  line: 9\n", "  line: 9\n# seen on the reading group list too\n"),
        ("We study sparse", "Edited abstract. We study sparse"),
        ("## Notes\n\n", "## Notes\n\nReally good.\n\n- try it\n"),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_reader_edits_survive_reimport_and_new_listings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/2025-03-12.txt": dump([SPARSE, DECAY])})
    assert run_cli(capsys, project, "import")[0] == 0
    sparse = papers_dir(project) / "sparse-attention-at-scale.md"
    edited = edit(sparse.read_text(encoding="utf-8"))
    sparse.write_text(edited, encoding="utf-8")
    before = snapshot(project)

    # Re-import: nothing to add, nothing touched.
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 0 new, 0 updated, 2 unchanged, 0 warnings (hf-daily: 2025-03-12.txt)\n")
    assert snapshot(project) == before

    # A new dump lists the same paper (its title in LaTeX spelling) on another date, and a new paper.
    write_files(
        project,
        {
            "content/sources/2025-03-14.txt": dump(
                [SCORE, (r"{\em Sparse} Attention at Scale", "Short.")], "Mar 14"
            )
        },
    )
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 1 new, 1 updated, 1 unchanged, 0 warnings (hf-daily: 2025-03-12.txt, 2025-03-14.txt)\n")
    assert sparse.read_text(encoding="utf-8") == edited.replace(
        "  line: 9\n# seen",
        "  line: 9\n- date: 2025-03-14\n  source: 2025-03-14.txt\n  line: 13\n# seen",
    )
    after = snapshot(project)
    unchanged = {path for path in before if path != "content/papers/sparse-attention-at-scale.md"}
    assert {path: after[path] for path in unchanged} == {path: before[path] for path in unchanged}
    assert sorted(set(after) - set(before)) == [
        "content/papers/score-matching-for-graphs.md",
        "content/sources/2025-03-14.txt",
    ]
    [paper] = [
        p for p in read_papers(load_config(project), None) if p.slug == "sparse-attention-at-scale"
    ]
    assert (paper.title, paper.status, paper.tags, paper.remove_tags) == (
        "Sparse Attention",
        "read",
        ("transformers", "llm"),
        ("sparsity",),
    )
    assert paper.dates == ("2025-03-12", "2025-03-14")
    assert paper.notes == "Really good.\n\n- try it"

    # And once more: zero bytes change.
    again = snapshot(project)
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 0 new, 0 updated, 3 unchanged, 0 warnings (hf-daily: 2025-03-12.txt, 2025-03-14.txt)\n")
    assert snapshot(project) == again
    assert run_cli(capsys, project, "check")[0] == 0


def test_lines_added_to_a_dump_do_not_duplicate_listings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/2025-03-12.txt": dump([SPARSE])})
    assert run_cli(capsys, project, "import")[0] == 0
    before = snapshot(project / "content" / "papers")
    write_files(project, {"content/sources/2025-03-12.txt": dump([DECAY, SPARSE])})
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 1 new, 0 updated, 1 unchanged, 0 warnings (hf-daily: 2025-03-12.txt)\n")
    after = snapshot(project / "content" / "papers")
    assert after["sparse-attention-at-scale.md"] == before["sparse-attention-at-scale.md"]


def test_import_named_files_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"content/sources/2025-03-12.txt": dump([SPARSE])})
    outside = (
        write_files(tmp_path, {"elsewhere/2025-03-14.txt": dump([DECAY], "Mar 14")})
        / "elsewhere"
        / "2025-03-14.txt"
    )
    code, _, err = run_cli(capsys, project, "import", str(outside))
    assert (code, err) == (0, "imported: 1 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: 2025-03-14.txt)\n")
    [paper] = read_papers(load_config(project), None)
    assert (paper.slug, [(item.date, item.source, item.line) for item in paper.listings]) == (
        "weight-decay-revisited",
        [("2025-03-14", "2025-03-14.txt", 9)],
    )


def test_a_bad_dump_stops_the_import_before_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump([SPARSE]),
            "content/sources/2025-03-13.txt": b"Mar 13\nT\n\xff\xfe\n",
            "content/sources/2025-03-14.txt": "new\n\nSubscribe\n",
            "content/sources/2025-03-15.txt": dump([DECAY], "Mar 15"),
        },
    )
    code, out, err = run_cli(capsys, project, "import")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: content/sources/2025-03-13.txt:3: not UTF-8 text (byte 0xff at offset 9); save the listing as UTF-8",
        "error: content/sources/2025-03-14.txt: no papers found: expected title and abstract lines after the page header",
    ]
    assert not papers_dir(project).exists() or not any(papers_dir(project).iterdir())


def test_a_bad_page_stops_the_import_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    project = make_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump([SPARSE, DECAY]),
            "content/papers/evil.md": f"---\ntitle: Evil\nextra: !!python/object/apply:os.system ['touch {marker}']\n---\n",
        },
    )
    before = snapshot(project)
    code, out, err = run_cli(capsys, project, "import")
    assert (code, out) == (1, "")
    assert err == (
        "error: content/papers/evil.md:3: YAML error: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' (only plain YAML values are allowed)\n"
    )
    assert not marker.exists()
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("site_year", "name", "day", "date", "warned"),
    [
        (2025, "2024-03-12.txt", "Mar 12", "2024-03-12", False),
        (2025, "monday.txt", "Mar 12", "2025-03-12", False),
        (None, "2024-03-12.txt", "Mar 12", "2024-03-12", False),
        # The year-fallback warning is not asserted here: it also fires for dates that carry a year.
        (None, "monday.txt", "Mar 12, 2023", "2023-03-12", None),
        (None, "monday.txt", "Mar 12", "CURRENT-03-12", True),
        (None, "monday.txt", None, None, False),
    ],
    ids=[
        "file-name-beats-setting",
        "setting",
        "file-name-no-setting",
        "explicit-year",
        "fallback",
        "no-date",
    ],
)
def test_listing_year_rule(
    tmp_path: Path,
    site_year: int | None,
    name: str,
    day: str | None,
    date: str | None,
    warned: bool | None,
) -> None:
    project = make_project(tmp_path, {f"content/sources/{name}": dump([SPARSE], day)})
    site = (project / "site.yml").read_text(encoding="utf-8").replace("year: 2025\n", "")
    if site_year is not None:
        site += f"year: {site_year}\n"
    (project / "site.yml").write_text(site, encoding="utf-8")
    this_year = str(dt.date.today().year)
    report = import_sources(load_config(project))
    [paper] = read_papers(load_config(project), None)
    assert paper.listings[0].date == (date.replace("CURRENT", this_year) if date else None)
    if warned is not None:
        warning = (
            f"site.yml: listing dates without a year were given {this_year}; set `year:` to choose"
        )
        assert list(report.warnings) == ([warning] if warned else [])


def test_warnings_are_printed_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump([SPARSE]) + "\nA Lonely Title\n"}
    )
    code, _, err = run_cli(capsys, project, "import")
    assert code == 0
    assert err.splitlines() == [
        "warning: content/sources/2025-03-12.txt:13: title without an abstract, skipped: 'A Lonely Title'",
        "imported: 1 new, 0 updated, 0 unchanged, 1 warnings (hf-daily: 2025-03-12.txt)",
    ]


SAME_SLUG = [("中文 Models", long_abstract("one")), ("Zhong Wen Models", long_abstract("two"))]


def test_slug_collisions_resolve_the_same_way_whatever_the_order(tmp_path: Path) -> None:
    chosen = []
    for index, papers in enumerate([SAME_SLUG, list(reversed(SAME_SLUG))]):
        project = make_project(
            tmp_path / str(index), {f"content/sources/{index}.txt": dump(papers)}
        )
        import_sources(load_config(project))
        chosen.append({p.title: p.slug for p in read_papers(load_config(project), None)})
    assert chosen[0] == chosen[1]
    assert sorted(chosen[0].values()) == ["zhong-wen-models", "zhong-wen-models-2"]


def test_new_paper_never_takes_an_existing_pages_slug(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"content/sources/a.txt": dump([SAME_SLUG[0]])})
    import_sources(load_config(project))
    first = snapshot(papers_dir(project))
    write_files(project, {"content/sources/b.txt": dump([SAME_SLUG[1]])})
    report = import_sources(load_config(project))
    assert report.new == ("zhong-wen-models-2",)
    assert snapshot(papers_dir(project))["zhong-wen-models.md"] == first["zhong-wen-models.md"]


HOSTILE = [
    ("../../../etc/passwd", "etc-passwd"),
    (
        "<script>alert('x')</script> Attention <b>Bold</b>",
        "script-alert-x-script-attention-b-bold-b",
    ),
    ("🚀🔥", None),
    ("/absolute/path/with/slashes", "absolute-path-with-slashes"),
    ("A " + "very " * 60 + "long title", "a-" + "very-" * 14 + "very"),
]


def test_hostile_titles_make_safe_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    papers = [
        (title, long_abstract(f"topic {i}") + " <script>alert(2)</script>")
        for i, (title, _) in enumerate(HOSTILE)
    ]
    project = make_project(tmp_path, {"content/sources/x.txt": dump(papers)})
    code, _, err = run_cli(capsys, project, "import")
    assert (code, err) == (0, "imported: 5 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: x.txt)\n")
    files = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.md"))
    assert all(name.startswith("project/content/papers/") for name in files)
    by_title = {p.title: p for p in read_papers(load_config(project), None)}
    assert sorted(by_title) == sorted(title for title, _ in HOSTILE)
    for title, slug in HOSTILE:
        paper = by_title[title]
        assert paper.slug == (slug or f"paper-{paper.id}")
        assert paper.abstract.endswith(" <script>alert(2)</script>")
    assert run_cli(capsys, project, "check")[0] == 0


# --- A page saved while an import runs is never overwritten -----------------------------------

_RACED = "content/papers/zzz-the-page-being-edited.md"


def _race_project(tmp_path: Path, count: int) -> Path:
    papers = [(f"Study number {n} of bridges", long_abstract(f"topic{n}")) for n in range(count)]
    papers.append(("Zzz the page being edited", long_abstract("editing")))
    project = make_site_project(tmp_path, {"content/sources/2025-03-12.txt": dump(papers)})
    assert main(["import", "-q", "-C", str(project)]) == 0
    # A second day lists every paper again: the import adds a listing to every page.
    write_files(project, {"content/sources/2025-03-13.txt": dump(papers, day="Mar 13")})
    return project


@pytest.mark.parametrize("command", ["import", "build"])
def test_a_page_saved_during_an_import_keeps_the_readers_text(tmp_path: Path, command: str) -> None:
    import os
    import subprocess
    import sys
    import threading
    import time

    project = _race_project(tmp_path, 400)
    page = project / _RACED
    original = page.read_text(encoding="utf-8")
    running = subprocess.Popen(
        [sys.executable, "-m", "site_builder", command, "-C", str(project)],
        stderr=subprocess.PIPE,
        text=True,
    )
    first = min((project / "content/papers").iterdir())
    unwritten = first.read_bytes()
    saved: list[str] = []

    def edit() -> None:
        # Wait until the import writes its first page (it has read every page by then), then
        # save the page it writes last the way editors do: a temp file renamed over the page.
        while running.poll() is None and first.read_bytes() == unwritten:
            time.sleep(0.001)
        text = original + "My note, saved while the import runs.\n"
        temp = page.with_name(f".{page.name}.swp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, page)
        saved.append(text)

    editor = threading.Thread(target=edit)
    editor.start()
    _, err = running.communicate(timeout=300)
    editor.join()
    assert running.returncode == 0, err
    assert page.read_text(encoding="utf-8") == saved[0]  # the reader's save, untouched
    assert f"warning: {_RACED}: changed while importing: left as it is\n" in err


@pytest.mark.parametrize("renameat2", [True, False], ids=["rename", "link"])
def test_write_if_unchanged_is_a_compare_and_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renameat2: bool
) -> None:
    import os

    from site_builder import output
    from site_builder.output import write_file_if_unchanged

    if not renameat2:  # an OS or file system without renameat2: new files are made by a link
        monkeypatch.setattr(output, "_rename_new", lambda source, target: False)
    from site_builder.readfile import read_file_stamped

    page = tmp_path / "page.md"
    page.write_text("first\n", encoding="utf-8")
    _, version = read_file_stamped(page, "page.md")
    temp = tmp_path / ".page.md.swp"
    temp.write_text("saved by the reader\n", encoding="utf-8")
    os.replace(temp, page)
    assert not write_file_if_unchanged(page, "planned\n", version)
    assert page.read_text(encoding="utf-8") == "saved by the reader\n"
    _, version = read_file_stamped(page, "page.md")
    assert write_file_if_unchanged(page, "planned\n", version)
    assert page.read_text(encoding="utf-8") == "planned\n"
    assert not write_file_if_unchanged(page, "new page\n", None)  # exists now: never replaced
    assert write_file_if_unchanged(tmp_path / "new.md", "new page\n", None)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new.md", "page.md"]


_STOPPED_IMPORT = """
import os, sys, time
from site_builder import cli, output
def stop(*args, **kwargs):  # the import is stopped while a new page is in its temp file
    open(sys.argv[2], "w").close()
    time.sleep(600)
output._rename_new = output.os.link = stop
sys.exit(cli.main(["import", "-q", "-C", sys.argv[1]]))
"""


def test_an_import_killed_while_writing_leaves_no_temp_file(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    papers = [(f"Study number {n} of bridges", long_abstract(f"topic{n}")) for n in range(3)]
    project = make_site_project(tmp_path, {"content/sources/2025-03-12.txt": dump(papers)})
    folder = papers_dir(project)
    writing = tmp_path / "writing"
    killed = subprocess.Popen([sys.executable, "-c", _STOPPED_IMPORT, str(project), str(writing)])
    try:
        for _ in range(3000):
            if writing.exists() or killed.poll() is not None:
                break
            time.sleep(0.01)
        assert writing.exists()
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    (left,) = [path.name for path in folder.iterdir()]
    assert left.startswith(".") and left.endswith(f".{killed.pid}.{left.split('.')[-2]}.tmp")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        kept = [f".other.md.{live.pid}.1.tmp", ".my-notes.tmp", "draft.md.tmp"]
        write_files(project, {f"content/papers/{name}": "mine\n" for name in kept})
        assert main(["import", "-q", "-C", str(project)]) == 0
    finally:
        live.kill()
        live.wait()
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(kept + [f"study-number-{n}-of-bridges.md" for n in range(3)])
    assert all((folder / name).read_text(encoding="utf-8") == "mine\n" for name in kept)


def test_dumps_read_in_child_processes_plan_what_one_process_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder import content, ingest
    from site_builder.errors import SiteError
    from site_builder.executor import Executor

    project = make_project(tmp_path)
    copy_seeds(project)
    write_files(project, {"content/sources/bad.txt": "just one line\n"})
    config = load_config(project)
    monkeypatch.setattr(ingest, "PARALLEL_DUMPS", 1)
    monkeypatch.setattr(ingest, "PARALLEL_PAPERS", 1)  # merged and named in children too
    monkeypatch.setattr(content, "PARALLEL_PAGES", 1)
    errors, plans = [], []
    for method in (None, "fork"):
        with Executor(method, 3) as executor, pytest.raises(SiteError) as caught:
            ingest.plan_import(config, executor=executor)
        errors.append(str(caught.value))
    (project / "content/sources/bad.txt").unlink()
    import_sources(config)
    write_files(project, {"content/sources/2025-03-20.txt": dump([SPARSE, DECAY], "Mar 20")})
    for method in (None, "fork"):
        with Executor(method, 3) as executor:
            plan = ingest.plan_import(config, executor=executor)
        plans.append((plan.report, dict(plan.updates), plan.papers))
    assert errors[0] == errors[1]
    assert errors[0].startswith("content/sources/bad.txt:")
    assert plans[0] == plans[1]
    assert plans[0][0].new and plans[0][0].unchanged
