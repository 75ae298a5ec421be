"""The build stamp: `build` skips only when nothing changed since what the last build read."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, copy_seeds, make_site_project, run_cli


def test_an_edit_saved_during_a_build_is_built_by_the_next_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    assert run_cli(capsys, project, "import")[0] == 0
    page = sorted((project / "content" / "papers").glob("*.md"))[0]
    # A real build in another process; the page is saved once the build writes the site (it
    # has read every input by then), as an editor would save it while the build runs.
    process = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "build", "-C", str(project)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not list(project.glob("._site.new-*")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    assert process.poll() is None, "the build ended before the edit could be made"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("\n---\n\n", "\n---\n\nEdited During The Build. ", 1), encoding="utf-8"
    )
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode == 0, output
    assert "built " in output
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0
    assert "up to date" not in err
    slug = page.stem
    built = (project / "_site" / "papers" / slug / "index.html").read_text(encoding="utf-8")
    assert "Edited During The Build" in built
    # Now that it is built, nothing changed: the next build is skipped.
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0 and "up to date" in err


def test_pages_written_by_the_import_do_not_make_the_next_build_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0 and "imported: " in err
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0 and "up to date" in err
