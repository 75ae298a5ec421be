"""Read the user's content: the taxonomy and the paper pages."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from functools import partial
from pathlib import Path

from site_builder.config import Config
from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.filecache import FileCache
from site_builder.models import Paper, Tag
from site_builder.pages import parse_page
from site_builder.readfile import FileStamp, read_file_stamped
from site_builder.tags import parse_taxonomy


def read_text(path: Path, shown: str, root: Path | None = None) -> str:
    """Read a UTF-8 text file; a missing, unreadable or non-UTF-8 file is a SiteError.

    With `root`, a symbolic link out of that folder is refused (see readfile.read_file).
    """
    return read_text_stamped(path, shown, root)[0]


def read_text_stamped(path: Path, shown: str, root: Path | None = None) -> tuple[str, FileStamp]:
    """Read a UTF-8 text file as read_text does; also return the stamp of the version read."""
    data, stamp = read_file_stamped(path, shown, root)
    try:
        return data.decode("utf-8-sig"), stamp
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SiteError(
            f"not UTF-8 text (bad byte at offset {exc.start})", SourcePos(shown, line)
        ) from None


def read_taxonomy(config: Config) -> tuple[Tag, ...]:
    """Read content/tags.yml; no file means no tags."""
    if not config.tags_file.exists() and not config.tags_file.is_symlink():
        return ()  # a dangling link or a loop is refused by read_text, not taken for no file
    shown = config.shown(config.tags_file)
    return parse_taxonomy(strip_controls(read_text(config.tags_file, shown, config.root)), shown)


def page_paths(config: Config) -> list[Path]:
    """Return the paper pages, sorted by file name."""
    folder = config.papers_dir
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        names = sorted(
            e.name for e in entries if e.name.endswith(".md") and not e.name.startswith(".")
        )
    return [folder / name for name in names]


_PAGE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A page's file name without `.md` is its URL segment: only characters a URL keeps as they are."""


def read_paper(config: Config, path: Path, tag_ids: Iterable[str] | None) -> Paper:
    """Read and parse one paper page; a file name that cannot be a URL segment is refused."""
    shown = config.shown(path)
    if not _PAGE_NAME_RE.fullmatch(path.stem):
        raise SiteError(
            "the file name is the page's URL: use only letters a-z, digits, `-`, `_` and `.` "
            "(no spaces, `#`, `?`, `%` or other characters)",
            SourcePos(shown),
        )
    return parse_page(read_text(path, shown, config.root), shown, path.stem, tag_ids)


def read_papers(
    config: Config,
    tag_ids: Iterable[str] | None,
    paths: Iterable[Path] | None = None,
    cache: FileCache[Paper] | None = None,
    changed: Collection[Path] | None = None,
) -> list[Paper]:
    """Read every paper page, collecting all problems (including duplicate papers) before failing.

    With a cache, pages whose file did not change since the last read are not parsed again;
    `changed` (from a file watcher) lists the only files that may have changed.
    """
    known = None if tag_ids is None else frozenset(tag_ids)
    cache = cache if cache is not None else FileCache()
    papers: list[Paper] = []
    errors: list[SiteError] = []
    paths = page_paths(config) if paths is None else list(paths)
    for path in paths:
        try:
            check = changed is None or path in changed
            papers.append(
                cache.get(path, known, partial(read_paper, config, path, known), check=check)
            )
        except SiteError as exc:
            errors.extend(getattr(exc, "errors", [exc]))
    cache.keep_only(set(paths))
    errors.extend(find_duplicates(papers))
    raise_all(errors)
    return papers


def find_duplicates(papers: Iterable[Paper]) -> list[SiteError]:
    """Return an error for each page that repeats another's paper id or URL slug."""
    errors = []
    by_id: dict[str, Paper] = {}
    by_slug: dict[str, Paper] = {}
    for paper in papers:
        first = by_id.setdefault(paper.id, paper)
        if first is not paper:
            errors.append(
                SiteError(
                    f"duplicate paper: same id `{paper.id}` as {first.where.path}", paper.where
                )
            )
        other = by_slug.setdefault(paper.slug.casefold(), paper)
        if other is not paper:
            errors.append(
                SiteError(f"duplicate slug: {other.where.path} has the same URL", paper.where)
            )
    return errors
