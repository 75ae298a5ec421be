"""Values kept per file version: computed again only for files that changed."""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.errors import SiteError, SourcePos
from site_builder.filecache import FileCache


def _lengths(calls: list[list[str]]):  # type: ignore[no-untyped-def]
    def compute(paths: list[Path]) -> list[int | SiteError]:
        calls.append([path.name for path in paths])
        return [
            SiteError("bad", SourcePos(path.name)) if path.name == "bad" else len(path.read_bytes())
            for path in paths
        ]

    return compute


def test_get_many_computes_only_the_files_that_changed_and_keeps_no_error(tmp_path: Path) -> None:
    for name, text in (("a", "1"), ("b", "22"), ("bad", "x")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    paths = [tmp_path / "a", tmp_path / "b", tmp_path / "bad"]
    cache: FileCache[int] = FileCache()
    calls: list[list[str]] = []
    first = cache.get_many(paths, "k", _lengths(calls))
    assert first[:2] == [1, 2] and isinstance(first[2], SiteError)
    (tmp_path / "b").write_text("333", encoding="utf-8")
    os.utime(tmp_path / "b", ns=(1, 1))
    assert cache.get_many(paths, "k", _lengths(calls))[:2] == [1, 3]
    assert cache.get_many(paths, "other", _lengths(calls))[:2] == [1, 3]
    assert calls == [["a", "b", "bad"], ["b", "bad"], ["a", "b", "bad"]]


def test_get_many_trusts_files_a_watcher_did_not_report(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("1", encoding="utf-8")
    cache: FileCache[int] = FileCache()
    calls: list[list[str]] = []
    cache.get_many([tmp_path / "a"], "k", _lengths(calls))
    (tmp_path / "a").write_text("22", encoding="utf-8")
    assert cache.get_many([tmp_path / "a"], "k", _lengths(calls), changed=set()) == [1]
    assert cache.get_many([tmp_path / "a"], "k", _lengths(calls), changed={tmp_path / "a"}) == [2]
