"""Build the golden sample and write it as the expected output: run after a deliberate change.

    .venv/bin/python -m tests.golden.update

tests/test_golden.py builds tests/golden/project/ with the repository's theme and compares the
result file by file with tests/golden/expected/ (the theme's assets/ excepted: they are copies
of static/ and of npm files, checked separately).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from site_builder.build import BuildState, build_site
from site_builder.config import load_config

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROJECT = HERE / "project"
EXPECTED = HERE / "expected"
ASSETS = "assets/"
"""Output folder of the theme's static files and the npm libraries (not kept in expected/)."""


def build_golden(work: Path) -> dict[str, bytes]:
    """Build a copy of the golden project under `work` with this repository's theme; return its
    output files (assets/ excepted) by site-relative path."""
    project = work / "project"
    shutil.copytree(PROJECT, project)
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "static", project / "static")
    shutil.copytree(REPO / "node_modules" / "lunr", project / "node_modules" / "lunr")
    config = load_config(project)
    build_site(config, BuildState(start_method=None))
    return {
        path.relative_to(config.out_dir).as_posix(): path.read_bytes()
        for path in sorted(config.out_dir.rglob("*"))
        if path.is_file() and not path.relative_to(config.out_dir).as_posix().startswith(ASSETS)
    }


def read_expected() -> dict[str, bytes]:
    """Return the committed expected output by site-relative path."""
    return {
        path.relative_to(EXPECTED).as_posix(): path.read_bytes()
        for path in sorted(EXPECTED.rglob("*"))
        if path.is_file()
    }


def main() -> int:
    """Replace tests/golden/expected/ with a fresh build of the golden project."""
    with tempfile.TemporaryDirectory() as work:
        files = build_golden(Path(work))
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for relative, data in files.items():
        target = EXPECTED / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files to {EXPECTED.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
