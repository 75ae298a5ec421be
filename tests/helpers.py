"""Scratch projects for tests: files written from a mapping, the repository's settings and taxonomy."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from site_builder.cli import main

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "content" / "sources"
"""The bundled listing dumps."""


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each `relative path: text` (or bytes) under root, creating folders; return root."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            # newline="" keeps "\r\n" and a lone "\r" as written.
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(data)
    return root


def make_project(tmp_path: Path, files: Mapping[str, str | bytes] | None = None) -> Path:
    """Return a project under tmp_path with the repository's site.yml and content/tags.yml only."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copy2(REPO / "content" / "tags.yml", root / "content" / "tags.yml")
    return write_files(root, files or {})


def copy_seeds(project: Path) -> list[Path]:
    """Copy the bundled dumps into the project's content/sources/; return their new paths."""
    sources = project / "content" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, sources / path.name)) for path in sorted(SEEDS.iterdir())]


def run_cli(
    capsys: pytest.CaptureFixture[str], project: Path, command: str, *args: str
) -> tuple[int, str, str]:
    """Run `site-builder COMMAND -C project ARGS`; return (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main([command, "-C", str(project), *args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under root with its bytes and modification time (ns)."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def dump(papers: list[tuple[str, str]], day: str | None = "Mar 12") -> str:
    """Return a layout-A listing dump: header lines, an optional date line, title/abstract blocks."""
    lines = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", ""]
    if day:
        lines += [day, ""]
    for title, abstract in papers:
        lines += [title, "", abstract, ""]
    return "\n".join(lines)


def long_abstract(topic: str) -> str:
    """Return an abstract long enough to read as prose (two sentences, over 120 characters)."""
    return (
        f"We study {topic} in depth and report what we find on several standard benchmarks. "
        f"Our analysis of {topic} explains earlier results and suggests simple improvements."
    )


def make_site_project(tmp_path: Path, files: Mapping[str, str | bytes] | None = None) -> Path:
    """Return a project that can build a site: settings, taxonomy, theme and the npm packages it ships."""
    root = make_project(tmp_path, files)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    for package in ("lunr", "markdown-it"):
        shutil.copytree(REPO / "node_modules" / package, root / "node_modules" / package)
    return root
