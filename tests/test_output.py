"""Atomic writes: a site is swapped in whole, synced in place, and a failure leaves the old one."""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from site_builder import output
from site_builder.output import sync_site, write_file_atomic, write_site


def _tree(root: Path) -> dict[str, bytes]:
    """Return the site's files, without the marker every build writes (tested on its own)."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    files.pop(output.MARKER_FILE, None)
    return files


def test_write_site_swaps_in_the_new_site_and_counts_changes(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    assert write_site(out, {"index.html": b"one", "a/index.html": b"a"}) == 2
    assert write_site(out, {"index.html": b"one", "b/index.html": b"b"}) == 1
    assert _tree(out) == {"index.html": b"one", "b/index.html": b"b"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_a_failed_write_leaves_the_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})

    def broken(stage: Path, out_dir: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(output, "_swap", broken)
    with pytest.raises(OSError):
        write_site(out, {"index.html": b"new"})
    assert _tree(out) == {"index.html": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_sync_site_writes_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    first = {"index.html": b"home", "a.html": b"a", "gone.html": b"x"}
    write_site(out, first)
    untouched = (out / "a.html").stat().st_ino
    assert sync_site(out, {"index.html": b"home2", "a.html": b"a"}, first) == 2
    assert _tree(out) == {"index.html": b"home2", "a.html": b"a"}
    assert (out / "a.html").stat().st_ino == untouched


def test_write_file_atomic_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    write_file_atomic(path, "one")
    os.chmod(path, 0o600)
    write_file_atomic(path, "two")
    assert path.read_text() == "two"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_site_files_are_world_readable_whatever_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "_UMASK", 0o077)
    previous = os.umask(0o077)
    try:
        write_site(tmp_path / "_site", {"index.html": b"home", "a/index.html": b"a"})
        write_file_atomic(tmp_path / "page.md", "text")
    finally:
        os.umask(previous)
    assert (tmp_path / "_site" / "a" / "index.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "_site" / "index.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "page.md").stat().st_mode & 0o777 == 0o644


def test_a_helper_writes_part_of_the_site(tmp_path: Path) -> None:
    files = {"index.html": b"home", **{f"p{i}/index.html": f"page {i}".encode() for i in range(6)}}
    out = tmp_path / "_site"
    handed: list[str] = []

    def helper(stage: Path, out_dir: Path, paths: list[str]) -> Future[int]:
        handed.extend(paths)
        future: Future[int] = Future()
        future.set_result(output.write_staged(stage, out_dir, files, paths))
        return future

    assert write_site(out, files, helper) == 7
    assert _tree(out) == files
    assert handed and len(handed) < len(files)
