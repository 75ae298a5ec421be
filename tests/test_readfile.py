"""Reading a file by name in a checked folder: the same bytes and the same refusals as by path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.errors import SiteError
from site_builder.readfile import open_folder, read_file_stamped


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    root = tmp_path / "project"
    papers = root / "content" / "papers"
    papers.mkdir(parents=True)
    descriptor = open_folder(papers, root)
    assert descriptor is not None
    yield papers, descriptor
    os.close(descriptor)


def test_a_file_read_in_its_folder_is_what_its_path_reads(folder: tuple[Path, int]) -> None:
    papers, descriptor = folder
    (papers / "a.md").write_text("text\n", encoding="utf-8")
    root = papers.parent.parent
    assert read_file_stamped(papers / "a.md", "a.md", root, descriptor) == read_file_stamped(
        papers / "a.md", "a.md", root
    )


def test_in_a_folder_a_link_is_followed_only_inside_the_project(
    folder: tuple[Path, int], tmp_path: Path
) -> None:
    papers, descriptor = folder
    root = papers.parent.parent
    (root / "notes.md").write_text("notes\n", encoding="utf-8")
    (tmp_path / "secret").write_text("key\n", encoding="utf-8")
    (papers / "inside.md").symlink_to(root / "notes.md")
    (papers / "outside.md").symlink_to(tmp_path / "secret")
    (papers / "loop.md").symlink_to("loop.md")
    os.mkfifo(papers / "pipe.md")
    assert read_file_stamped(papers / "inside.md", "s", root, descriptor)[0] == b"notes\n"
    problems = {}
    for name in ("outside.md", "loop.md", "pipe.md", "missing.md"):
        with pytest.raises(SiteError) as caught:
            read_file_stamped(papers / name, name, root, descriptor)
        problems[name] = str(caught.value)
    assert problems == {
        "outside.md": f"outside.md: refusing to read: it is a symbolic link to "
        f"{(tmp_path / 'secret').resolve()}, outside the project",
        "loop.md": "loop.md: refusing to read: it is a symbolic link loop",
        "pipe.md": "pipe.md: refusing to read: it is a FIFO (named pipe), not a regular file",
        "missing.md": "missing.md: cannot read: No such file or directory",
    }


def test_a_folder_linked_out_of_the_project_is_not_opened(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / "content" / "papers").symlink_to(tmp_path / "elsewhere")
    assert open_folder(root / "content" / "papers", root) is None
    assert open_folder(root / "content" / "missing", root) is None
